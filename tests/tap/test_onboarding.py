"""What a new user meets first: `--version`, `--test` on a healthy connection, the plan summary's wording."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from singer_sdk.exceptions import AbortedSyncFailedException, MaxRecordsLimitException

from tap_asana.logs import SYNC_ERROR_NOTE, RecordLimitAbortNote
from tap_asana.plan_summary import PlanGates

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("executable", ["tap-asana", "target-asana"])
def test_version_is_the_distributions(executable) -> None:
    result = subprocess.run(
        [str(BIN / executable), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith(f"{executable} v{metadata.version('asana-singer')}, Meltano SDK v")
    assert "could not be detected" not in result.stdout


def test_connection_test_logs_no_error_on_a_healthy_connection(sandbox, tmp_path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {"access_token": sandbox.token, "api_url": sandbox.base_url, "requests_per_minute": 100000}
        )
    )
    result = subprocess.run(
        [str(BIN / "tap-asana"), "--config", str(config), "--test"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Beginning sync of 'tasks'" in result.stderr  # it did read every stream, one record each
    assert [line for line in result.stderr.splitlines() if "| ERROR" in line] == []


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("tap-asana.tasks", logging.ERROR, __file__, 1, message, (), None)


def test_only_the_record_limit_stop_is_silenced() -> None:
    note = RecordLimitAbortNote()
    line = f"{SYNC_ERROR_NOTE} 'tasks'"
    try:
        try:
            raise MaxRecordsLimitException("limit")
        except MaxRecordsLimitException as reason:
            raise AbortedSyncFailedException("aborted") from reason
    except AbortedSyncFailedException:
        assert note.filter(_record(line)) is False
    try:
        raise ConnectionError("reset by peer")
    except ConnectionError:
        assert note.filter(_record(line)) is True  # a real failure keeps its ERROR line
    assert note.filter(_record("Stream 'tasks': 500 for GET /tasks")) is True


def test_summary_suggests_deselecting_only_what_nothing_could_read() -> None:
    gates = PlanGates()
    logger = logging.getLogger("test-plan-gates")
    for project in range(30):
        gates.refused(
            "budgets",
            tier="premium",
            status=402,
            partition={"workspace_gid": "1", "project_gid": str(project)},
            logger=logger,
        )
    gates.refused("goals", tier="premium", status=402, partition={"workspace_gid": "1"}, logger=logger)
    gates.read("goals")  # the token's other workspace is on a paid plan
    gates.refused("audit_log_events", tier="enterprise", status=403, partition=None, logger=logger)
    gates.read("tasks")
    lines = (gates.summary() or "").splitlines()
    assert lines[0].startswith("3 stream(s) could not be read")
    assert lines[1] == "  audit_log_events: needs an Enterprise plan; Asana answered 403 in 1 partition(s)"
    assert lines[2] == (
        "  budgets: needs a paid plan (Starter/Premium or above); Asana answered 402 in 30 partition(s) "
        "of 1 workspace(s)"
    )
    assert lines[3].startswith("  goals: ") and lines[3].endswith("so keep it selected")
    assert lines[4] == (
        "To deselect what this token cannot read: meltano select tap-asana --exclude audit_log_events"
        " && meltano select tap-asana --exclude budgets"
    )
    # With Meltano's default selection (no rule, every stream), an exclude alone would select nothing.
    gates.default_selection = True
    suggestion = (gates.summary() or "").splitlines()[-1]
    assert suggestion.startswith("To deselect what this token cannot read: meltano select tap-asana '*' && ")
    assert PlanGates().summary() is None  # nothing refused, nothing said


def test_a_deselected_stream_walked_for_its_children_is_not_warned_about_again(caplog) -> None:
    """After the suggested excludes, `goals` is still listed for goal stories: one INFO line, no warning."""
    gates = PlanGates()
    logger = logging.getLogger("test-plan-gates")
    gates.refused(
        "goals", tier="premium", status=402, partition={"workspace_gid": "1"}, logger=logger, selected=False
    )
    with caplog.at_level(logging.INFO, logger="test-plan-gates"):
        gates.report(logger)
    assert gates.summary() is None
    assert [(r.levelno, r.getMessage().split(" were ")[0]) for r in caplog.records] == [
        (logging.INFO, "Deselected stream(s) goals")
    ]
