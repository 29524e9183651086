"""Run target-asana in-process on Singer messages and collect what it printed and counted."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from target_asana.target import TargetAsana

FAST = {"requests_per_minute": 1_000_000, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05}


def target_config(sandbox: Any, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """A PAT config for `sandbox`, rejects under `tmp_path`, fast unless overridden."""
    return {
        "access_token": sandbox.token,
        "api_url": sandbox.base_url,
        "rejects_file": str(tmp_path / "rejects.jsonl"),
        **FAST,
        **overrides,
    }


@dataclass
class TargetResult:
    states: list[dict] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    streams: dict[str, dict[str, int]] = field(default_factory=dict)
    exit_code: int = 0
    rejects: list[dict] = field(default_factory=list)


def schema_message(stream: str, properties: dict[str, Any], keys: Iterable[str] = ("gid",)) -> dict:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties},
        "key_properties": list(keys),
    }


def record_message(stream: str, record: dict[str, Any]) -> dict:
    return {"type": "RECORD", "stream": stream, "record": record}


def run_target(config: dict[str, Any], messages: Iterable[dict | str]) -> TargetResult:
    """One run on `messages` (dicts or JSON lines); a SystemExit is kept as the exit code."""
    text = "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)
    target = TargetAsana(config=config)
    buffer = io.StringIO()
    result = TargetResult()
    try:
        with redirect_stdout(buffer):
            target.listen(io.StringIO(text))
    except SystemExit as exc:
        result.exit_code = int(exc.code or 0)
    # A target prints each state it has made durable as a bare JSON value (no message envelope).
    result.states = [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    summary = target.run.summary.as_dict() if "run" in target.__dict__ else {"totals": {}, "streams": {}}
    result.totals, result.streams = summary["totals"], summary["streams"]
    rejects = Path(config["rejects_file"])
    if rejects.exists():
        result.rejects = [json.loads(line) for line in rejects.read_text().splitlines()]
    return result


def singer_lines(tap_result: Any) -> list[dict]:
    """A tap run's records as Singer messages again (SCHEMA first per stream), to pipe into the target."""
    out: list[dict] = []
    for stream, records in tap_result.records.items():
        out.append(
            {
                "type": "SCHEMA",
                "stream": stream,
                "schema": tap_result.schemas[stream],
                "key_properties": ["gid"],
            }
        )
        out.extend(record_message(stream, r) for r in records)
    return out


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    rejects: str = ""

    @property
    def states(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    @property
    def last_line(self) -> str:
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""

    def everything(self) -> str:
        """All the run left for a user to read: stdout (states), stderr and the rejects file."""
        return "\n".join((self.stdout, self.stderr, self.rejects))


def run_cli(
    config: dict[str, Any] | Path,
    messages: Iterable[dict | str],
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CliResult:
    """`python -m target_asana --config <file>` on `messages` (dicts or raw lines), as a user runs it;
    `config` is a dict (written to a file) or the path of a config file."""
    if isinstance(config, Path):
        config_path, rejects_file = config, ""
    else:
        config_path, rejects_file = tmp_path / "config.json", str(config.get("rejects_file") or "")
        config_path.write_text(json.dumps(config))
    text = "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)
    done = subprocess.run(
        [sys.executable, "-m", "target_asana", "--config", str(config_path)],
        input=text,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
    rejects = Path(rejects_file).read_text() if rejects_file and Path(rejects_file).is_file() else ""
    return CliResult(done.returncode, done.stdout, done.stderr, rejects)
