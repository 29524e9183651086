"""Discovery and `--about`: every stream of the issue, its keys and replication, every setting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from asana_sandbox.oauth import DEFAULT_TOKEN
from tap_asana import stream_schemas
from tests.tap.tap_runner import tap_config

REPO = Path(__file__).resolve().parents[2]

ISSUE_STREAMS = {
    "workspaces",
    "users",
    "workspace_memberships",
    "teams",
    "team_memberships",
    "projects",
    "project_memberships",
    "memberships",
    "sections",
    "tasks",
    "stories",
    "attachments",
    "tags",
    "custom_fields",
    "custom_field_settings",
    "custom_types",
    "portfolios",
    "portfolio_items",
    "portfolio_memberships",
    "goals",
    "goal_relationships",
    "time_periods",
    "time_tracking_entries",
    "project_statuses",
    "status_updates",
    "project_briefs",
    "project_templates",
    "task_templates",
    "user_task_lists",
    "allocations",
    "access_requests",
    "webhooks",
    "audit_log_events",
}
# Objects of the spec beyond the issue's list: every object the API can list is a stream.
MORE_STREAMS = {
    "agents",
    "roles",
    "ooo_entries",
    "time_tracking_categories",
    "timesheet_approval_statuses",
    "budgets",
    "rates",
    "project_portfolio_settings",
}
# Streams fed by something other than a list call, keyed by what identifies a record.
NOT_LISTED = {"webhook_events": "event_id", "events": "event_id"}
ALL_STREAMS = ISSUE_STREAMS | MORE_STREAMS | set(NOT_LISTED)
INCREMENTAL = {
    "tasks": "modified_at",
    "stories": "created_at",
    "attachments": "created_at",
    "time_tracking_entries": "created_at",
    "status_updates": "created_at",
    "audit_log_events": "created_at",
    "webhook_events": "queue_seq",
}


def _cli(*args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "tap_asana", *args], capture_output=True, text=True, timeout=120, check=True
    )
    return run.stdout


def test_discover_lists_every_stream_with_its_replication(sandbox, tmp_path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox)))
    catalog = json.loads(_cli("--config", str(config), "--discover"))
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(streams) == ALL_STREAMS
    for name, stream in streams.items():
        assert stream["key_properties"][-1] == NOT_LISTED.get(name, "gid")
        if name in INCREMENTAL:
            assert stream["replication_method"] == "INCREMENTAL"
            assert stream["replication_key"] == INCREMENTAL[name]
        else:
            assert stream["replication_method"] == "FULL_TABLE", name
    custom_field = streams["custom_fields"]["schema"]["properties"]
    assert "enum_options" in custom_field


def test_the_committed_sandbox_config_discovers_every_stream() -> None:
    """`sandbox.json` (README) points at `asana-sandbox serve` with its defaults."""
    config = json.loads((REPO / "sandbox.json").read_text())
    assert config["access_token"] == DEFAULT_TOKEN
    assert config["api_url"] == "http://127.0.0.1:8765/api/1.0"
    catalog = json.loads(_cli("--config", str(REPO / "sandbox.json"), "--discover"))
    assert {s["tap_stream_id"] for s in catalog["streams"]} == ALL_STREAMS


def test_about_lists_settings_and_marks_secrets() -> None:
    about = json.loads(_cli("--about", "--format", "json"))
    settings = about["settings"]["properties"]
    for name in (
        "access_token",
        "client_id",
        "client_secret",
        "refresh_token",
        "start_date",
        "workspaces",
        "api_url",
        "requests_per_minute",
        "max_concurrent_requests",
        "request_timeout",
        "stream_maps",
        "flattening_enabled",
        "batch_config",
    ):
        assert name in settings, name
    for secret in ("access_token", "client_secret", "refresh_token"):
        assert settings[secret].get("secret") is True
    assert settings["requests_per_minute"]["default"] == 150
    assert all(settings[name].get("description") for name in ("access_token", "api_url", "workspaces"))


def test_schemas_load_from_the_wheel_layout_or_the_source_tree(tmp_path, monkeypatch) -> None:
    source_tree = stream_schemas.schema_dir()
    assert source_tree.name == "schemas" and (source_tree / "tasks.json").exists()
    packaged = tmp_path / "tap_asana"
    (packaged / "schemas").mkdir(parents=True)
    monkeypatch.setattr(stream_schemas, "_PACKAGE_DIR", packaged)
    assert stream_schemas.schema_dir() == packaged / "schemas"  # installed wheel: tap_asana/schemas
