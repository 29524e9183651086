"""What became of each record: the run's counters, and the rejected-records file."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from target_asana.settings import ConfigError

OUTCOMES = ("created", "updated", "unchanged", "skipped", "deleted", "rejected")


class Rejected(Exception):
    """A record Asana will not take (or that names what does not exist): reported, never retried."""


class RunSummary:
    """Counters per stream and outcome, and what a dry run would have done."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.ignored_streams: dict[str, str] = {}

    def count(self, stream: str, outcome: str, n: int = 1) -> None:
        with self.lock:
            self.counts[(stream, outcome)] += n

    def ignore_stream(self, stream: str, reason: str) -> None:
        with self.lock:
            self.ignored_streams.setdefault(stream, reason)
            self.counts[(stream, "skipped")] += 0

    def total(self, outcome: str) -> int:
        return sum(n for (_, o), n in self.counts.items() if o == outcome)

    def as_dict(self) -> dict[str, Any]:
        streams: dict[str, dict[str, int]] = {}
        for (stream, outcome), n in sorted(self.counts.items()):
            streams.setdefault(stream, dict.fromkeys(OUTCOMES, 0))[outcome] += n
        return {
            "totals": {o: self.total(o) for o in OUTCOMES},
            "streams": streams,
            "ignored_streams": dict(self.ignored_streams),
        }

    def lines(self, *, dry_run: bool) -> list[str]:
        """The summary as log lines: one for the totals, one per stream, one per ignored stream."""
        verb = "would be" if dry_run else "were"
        totals = ", ".join(f"{self.total(o)} {o}" for o in OUTCOMES)
        out = [f"target-asana{' (dry run)' if dry_run else ''}: records that {verb}: {totals}"]
        for stream, counts in self.as_dict()["streams"].items():
            if stream in self.ignored_streams:
                continue
            out.append(f"  {stream}: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n))
        for stream, reason in sorted(self.ignored_streams.items()):
            out.append(f"  {stream}: skipped ({reason})")
        return out


class RejectsFile:
    """JSON lines of rejected records and their reasons; created only when a record is rejected."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.written = 0

    def check(self) -> None:
        """Fail before any write if rejections could not be recorded (a rejection must never be lost)."""
        existing = self.path
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if self.path.is_dir() or (not existing.is_dir() and existing != self.path):
            raise self._error("it is a directory" if self.path.is_dir() else f"{existing} is not a directory")
        if not os.access(existing, os.W_OK):
            raise self._error("permission denied")

    def write(self, stream: str, record: Mapping[str, Any], reason: str) -> None:
        line = json.dumps({"stream": stream, "reason": reason, "record": record}, default=str, sort_keys=True)
        with self.lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Records may hold personal data: the file is readable by its owner only.
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            except OSError as exc:
                # Stop the run (its state is not emitted) rather than lose the record and its reason.
                raise self._error(exc.strerror or type(exc).__name__) from None
            self.written += 1

    def _error(self, why: str) -> ConfigError:
        return ConfigError(f"cannot write the rejects file {self.path} ({why}): set `rejects_file`")
