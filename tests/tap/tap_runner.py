"""Run the tap in-process against a sandbox and collect its Singer messages."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_asana.tap import TapAsana

# Functional tests are not about throttling; the throttle tests set their own budget.
FAST = {"requests_per_minute": 1_000_000, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05}


def tap_config(sandbox: Any, **overrides: Any) -> dict[str, Any]:
    """A PAT config pointing at `sandbox`, fast unless overridden."""
    return {"access_token": sandbox.token, "api_url": sandbox.base_url, **FAST, **overrides}


@dataclass
class SyncResult:
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict] = field(default_factory=list)
    schemas: dict[str, dict] = field(default_factory=dict)
    schema_messages: Counter = field(default_factory=Counter)
    error: BaseException | None = None

    def gids(self, stream: str) -> list[str]:
        return [r["gid"] for r in self.records.get(stream, [])]

    @property
    def state(self) -> dict | None:
        return self.states[-1] if self.states else None


def selected_catalog(config: dict[str, Any], streams: Iterable[str]) -> dict:
    """The discovered catalog with only `streams` selected (their parents are still walked)."""
    wanted = set(streams)
    catalog = TapAsana(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    return catalog


def run_tap(
    config: dict[str, Any],
    *,
    streams: Iterable[str] | None = None,
    state: dict | None = None,
    raise_errors: bool = True,
) -> SyncResult:
    """One sync; with `raise_errors=False` a failing run returns what it wrote before failing."""
    catalog = selected_catalog(config, streams) if streams is not None else None
    tap = TapAsana(config=config, state=state, catalog=catalog)
    buffer = io.StringIO()
    result = SyncResult()
    try:
        with redirect_stdout(buffer):
            tap.sync_all()
    except Exception as exc:
        if raise_errors:
            raise
        result.error = exc
    for line in buffer.getvalue().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            result.records[message["stream"]].append(message["record"])
        elif message["type"] == "STATE":
            result.states.append(message["value"])
        elif message["type"] == "SCHEMA":
            result.schemas[message["stream"]] = message["schema"]
            result.schema_messages[message["stream"]] += 1
    result.tap = tap  # type: ignore[attr-defined]
    return result


def tap_command(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m tap_asana ARGS` as a user runs it: exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "tap_asana", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=None if env is None else dict(env),
    )


def tap_with_config(
    config: dict[str, Any], directory: Path, *extra: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The tap as a process, with `config` written to a file in `directory`."""
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return tap_command("--config", str(path), *extra, env=env)
