"""kill -9 in the middle of a load, then a re-run: every record is in Asana exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.sandbox_client import SandboxClient
from tests.target.target_runner import record_message, schema_message, target_config

TICKETS = 40
SCHEMA = {name: {"type": ["string", "null"]} for name in ("id", "title", "body")}


def _config(sandbox: SandboxClient, tmp_path: Path) -> Path:
    project = next(p for p in sandbox.store.all("project") if not p.get("archived"))
    config = target_config(
        sandbox,
        tmp_path,
        workspace=project["workspace"]["gid"],
        # Small batches: several drains, so a kill can fall between them as well as inside one.
        batch_size_rows=7,
        mappings={
            "tickets": {"key": "id", "project": project["gid"], "fields": {"name": "title", "notes": "body"}}
        },
    )
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def _input(tmp_path: Path) -> Path:
    lines = [schema_message("tickets", SCHEMA, keys=("id",))]
    lines += [
        record_message("tickets", {"id": f"K-{n}", "title": f"Crash ticket {n}", "body": "b"})
        for n in range(TICKETS)
    ]
    path = tmp_path / "input.singer"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _start(config: Path, data: Path, log: Path) -> subprocess.Popen:
    with data.open() as stdin, log.open("a") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "target_asana", "--config", str(config)],
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _created(sandbox: SandboxClient) -> Counter:
    return Counter(
        t["name"] for t in sandbox.store.all("task") if (t.get("name") or "").startswith("Crash ticket")
    )


@pytest.mark.parametrize("kill_after", [0.4, 1.2, 2.5])
def test_kill_mid_load_then_rerun_leaves_each_record_once(
    sandbox: SandboxClient, tmp_path: Path, kill_after: float
) -> None:
    config, data, log = _config(sandbox, tmp_path), _input(tmp_path), tmp_path / "target.log"
    # Slow answers, so the kill lands between a create reaching the sandbox and its answer coming back.
    sandbox.control("faults", {"delay_ms": 40})
    process = _start(config, data, log)
    time.sleep(kill_after)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    partial = _created(sandbox)
    sandbox.control("faults", {"delay_ms": 0})
    rerun = _start(config, data, log)
    assert rerun.wait(timeout=120) == 0, log.read_text()[-3000:]
    counts = _created(sandbox)
    assert set(counts) == {f"Crash ticket {n}" for n in range(TICKETS)}
    assert max(counts.values()) == 1, (
        f"duplicates after a kill at {kill_after}s ({sum(partial.values())} made)"
    )
