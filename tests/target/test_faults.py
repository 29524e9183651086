"""Faults injected by the sandbox during a load of foreign records: each run ends with every record in
Asana exactly once, or fails with one line and without emitting its state; a re-run then completes it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_client import SandboxClient
from tests.target.target_runner import CliResult, record_message, run_cli, schema_message, target_config

TICKETS = 30
SCHEMA = schema_message("tickets", {k: {"type": ["string", "null"]} for k in ("id", "title")}, keys=("id",))
DONE = {"type": "STATE", "value": {"tickets": "all"}}
NO_FAULTS = {"error_rate": 0, "drop_rate": 0, "delay_ms": 0, "rate_limit_burst": 0}


def _messages(title: str = "Fault ticket {n}", numbers: Iterable[int] = range(TICKETS)) -> list[dict]:
    tickets = [record_message("tickets", {"id": f"F-{n}", "title": title.format(n=n)}) for n in numbers]
    return [SCHEMA, *tickets, DONE]


def _config(sandbox: SandboxClient, tmp_path: Path, **overrides: Any) -> dict:
    project = next(p for p in sandbox.store.all("project") if not p.get("archived"))
    return target_config(
        sandbox,
        tmp_path,
        workspace=project["workspace"]["gid"],
        mappings={"tickets": {"key": "id", "project": project["gid"], "fields": {"name": "title"}}},
        **{"max_retries": 6, **overrides},
    )


def _tickets(sandbox: SandboxClient) -> Counter:
    """How many tasks hold each ticket's key (the `Sync key` text field the target writes)."""
    field = next(f["gid"] for f in sandbox.store.all("custom_field") if f["name"] == "Sync key")
    keys: Counter = Counter()
    for task in sandbox.store.all("task"):
        for value in task.get("custom_fields") or ():
            if value["gid"] == field and value.get("text_value"):
                keys[value["text_value"]] += 1
    return keys


def _assert_exactly_once(sandbox: SandboxClient) -> None:
    keys = _tickets(sandbox)
    assert set(keys) == {f"tickets:F-{n}" for n in range(TICKETS)}, sorted(keys)
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    named = [
        t
        for t in sandbox.store.all("task")
        if re.fullmatch(r"(Fault|Edited) ticket \d+", t.get("name") or "")
    ]
    assert len(named) == TICKETS


def _assert_failed_cleanly(run: CliResult) -> None:
    """A failed run: one line that says why, no traceback, and no state (nothing claimed as written)."""
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.last_line.startswith("target-asana: "), run.last_line
    assert run.stdout == ""


def _load_until_done(sandbox: SandboxClient, tmp_path: Path, faults: dict, tries: int = 3) -> list[CliResult]:
    """Runs with `faults` on until one succeeds (the last try without faults): every run is checked."""
    runs = []
    for attempt in range(tries):
        sandbox.control("faults", faults if attempt < tries - 1 else NO_FAULTS)
        run = run_cli(_config(sandbox, tmp_path), _messages(), tmp_path)
        sandbox.control("faults", NO_FAULTS)
        runs.append(run)
        if run.returncode == 0:
            assert run.states == [DONE["value"]] and "Traceback" not in run.stderr
            break
        _assert_failed_cleanly(run)
    _assert_exactly_once(sandbox)
    return runs


@pytest.mark.parametrize(
    "faults",
    [
        {"error_rate": 0.25, "error_status": 503, "seed": 1},
        {"drop_rate": 0.25, "seed": 2},
        {"error_rate": 0.15, "error_status": 502, "drop_rate": 0.15, "seed": 3},
    ],
    ids=["5xx", "dropped connections", "5xx and drops"],
)
def test_errors_and_dropped_connections(sandbox: SandboxClient, tmp_path: Path, faults: dict) -> None:
    runs = _load_until_done(sandbox, tmp_path, faults)
    # The faults hit creates: lost answers were settled by looking the keys up, then sending again.
    assert any("had not happened: sent again" in run.stderr for run in runs)
    stats = sandbox.control("stats")
    assert sum(n for route, n in stats["requests"]["by_status"].items() if route.startswith("5")) > 0


def _fault_after_first_batch(
    sandbox: SandboxClient, tmp_path: Path, faults: dict, **overrides: Any
) -> CliResult:
    """A CLI run in which `faults` are set once the sandbox has answered the first `POST /batch`
    (answers are slowed down so that the load is still going then)."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_config(sandbox, tmp_path, **overrides)))
    data = tmp_path / "input.singer"
    data.write_text("".join(json.dumps(m) + "\n" for m in _messages()))
    sandbox.control("faults", {"delay_ms": 30})
    with data.open() as stdin:
        process = subprocess.Popen(
            [sys.executable, "-m", "target_asana", "--config", str(config)],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not sandbox.control("stats")["requests"]["by_route"].get("POST /batch"):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        sandbox.control("faults", faults)
        out, err = process.communicate(timeout=120)
    sandbox.control("faults", NO_FAULTS)
    return CliResult(process.returncode, out, err)


def test_a_run_that_gives_up_mid_load_emits_no_state_and_a_rerun_completes_it(
    sandbox: SandboxClient, tmp_path: Path
) -> None:
    failed = _fault_after_first_batch(sandbox, tmp_path, {"error_rate": 1.0}, max_retries=2)
    _assert_failed_cleanly(failed)
    assert 0 < sum(_tickets(sandbox).values()) < TICKETS  # it did fail in the middle
    rerun = run_cli(_config(sandbox, tmp_path), _messages(), tmp_path)
    assert rerun.returncode == 0 and rerun.states == [DONE["value"]], rerun.stderr[-2000:]
    _assert_exactly_once(sandbox)


def test_a_429_burst_in_the_middle_of_the_load(sandbox: SandboxClient, tmp_path: Path) -> None:
    # Fewer than `max_retries`, even if every one of them lands on the same request.
    run = _fault_after_first_batch(sandbox, tmp_path, {"rate_limit_burst": 4, "rate_limit_retry_after": 1})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.states == [DONE["value"]]
    assert sandbox.control("stats")["rate_limited"] >= 4
    _assert_exactly_once(sandbox)


def test_a_batch_whose_answer_is_lost_after_it_was_applied(sandbox: SandboxClient, tmp_path: Path) -> None:
    """Each batch action takes 150 ms, so a batch of ten outlives the 1 s timeout while the sandbox
    goes on applying it: its creates must be found by key (not sent again) and its updates resent."""
    first = run_cli(_config(sandbox, tmp_path), _messages(numbers=range(TICKETS // 2)), tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    sandbox.control("faults", {"delay_ms": 150})
    # New tickets first: the first batch is ten creates, the second creates and updates, the third updates.
    order = [*range(TICKETS // 2, TICKETS), *range(TICKETS // 2)]
    run = run_cli(
        _config(sandbox, tmp_path, request_timeout=1), _messages("Edited ticket {n}", order), tmp_path
    )
    sandbox.control("faults", NO_FAULTS)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "POST /batch: its answer was lost (ReadTimeout)" in run.stderr
    assert "A create whose answer was lost had happened" in run.stderr
    assert run.states == [DONE["value"]]
    _assert_exactly_once(sandbox)
    names = sorted(
        t["name"] for t in sandbox.store.all("task") if (t.get("name") or "").endswith(" ticket 7")
    )
    assert names == ["Edited ticket 7"]
