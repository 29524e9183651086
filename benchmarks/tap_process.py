"""One sync of `python -m tap_asana` as a child process, measured from outside.

Figures: records per stream, the bytes of stdout by message type, the child's CPU time (user + system,
from `os.wait4`), its peak resident set (`VmHWM`, polled), wall time, its last STATE, and the key and
version of every record (for the misses check).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.figures import Seen


class PeakMemory(threading.Thread):
    """Polls the child's VmHWM (peak resident set since exec).

    `wait4`'s `ru_maxrss` would count the pages the child shared with this process between fork and
    exec, i.e. the sandbox's whole dataset.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.rss_kib: list[int] = []  # VmRSS at each poll, to tell a flat run from a growing one
        self.done = threading.Event()

    def poll(self) -> bool:
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return False
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            elif line.startswith("VmRSS:"):
                self.rss_kib.append(int(line.split()[1]))
        return True

    def run(self) -> None:
        while not self.done.wait(0.1) and self.poll():
            pass


@dataclass
class TapRun:
    """What one tap process emitted and cost."""

    records: Counter = field(default_factory=Counter)
    bytes_by_type: Counter = field(default_factory=Counter)
    messages_by_type: Counter = field(default_factory=Counter)
    seen: Seen = field(default_factory=Seen)
    state: dict | None = None
    wall_seconds: float = 0.0
    cpu_user_seconds: float = 0.0
    cpu_system_seconds: float = 0.0
    peak_kib: int = 0
    rss_kib: list[int] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return sum(self.records.values())


def run_tap(config: dict[str, Any], state: dict | None, workdir: Path, name: str) -> TapRun:
    """Run one sync; `name` tells its files apart in `workdir` (config, state, stderr log)."""
    config_path = workdir / f"{name}-config.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)
    command = [sys.executable, "-m", "tap_asana", "--config", str(config_path)]
    if state is not None:
        state_path = workdir / f"{name}-state.json"
        state_path.write_text(json.dumps(state))
        command += ["--state", str(state_path)]
    run = TapRun()
    keys: dict[str, list[str]] = {}
    log_path = workdir / f"{name}.log"
    started = time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1 << 16)
        assert process.stdout is not None
        peak = PeakMemory(process.pid)
        peak.start()
        for line in process.stdout:
            message = json.loads(line)
            kind = message["type"]
            run.messages_by_type[kind] += 1
            run.bytes_by_type[kind] += len(line.encode())
            if kind == "RECORD":
                stream, record = message["stream"], message["record"]
                run.records[stream] += 1
                run.seen.add(stream, tuple(record.get(k) for k in keys.get(stream, ["gid"])), record)
            elif kind == "STATE":
                run.state = message["value"]
            elif kind == "SCHEMA":
                keys[message["stream"]] = message.get("key_properties") or ["gid"]
        peak.done.set()
        peak.join()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    run.wall_seconds = time.perf_counter() - started
    run.cpu_user_seconds, run.cpu_system_seconds = usage.ru_utime, usage.ru_stime
    run.peak_kib = peak.peak_kib
    run.rss_kib = peak.rss_kib
    if process.returncode != 0:
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-15:])
        raise SystemExit(f"tap failed (status {process.returncode}); the end of its log:\n{tail}")
    return run
