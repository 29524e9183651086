"""Bad input to the tap's command line: one line saying what to fix, a non-zero exit, no traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.tap.tap_runner import selected_catalog, tap_command, tap_config


def _tap(*args: str) -> subprocess.CompletedProcess:
    return tap_command(*args)


def _assert_usage_error(run: subprocess.CompletedProcess, *words: str) -> None:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    last = run.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last, last


def test_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    _assert_usage_error(_tap("--config", str(missing), "--discover"), "--config", str(missing))


@pytest.mark.parametrize("option", ["--config", "--state", "--catalog"])
def test_malformed_json_file(sandbox, tmp_path: Path, option: str) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox)))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    args = (
        ["--config", str(broken)] if option == "--config" else ["--config", str(config), option, str(broken)]
    )
    _assert_usage_error(_tap(*args), option, str(broken), "not valid JSON")


def test_missing_credentials_stop_before_any_stream(sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_url": sandbox.base_url}))
    run = _tap("--config", str(config))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "unhandled error" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert "`access_token`" in last and "`refresh_token`" in last
    assert '"type":"RECORD"' not in run.stdout.replace(" ", "")
    assert sandbox.control("stats")["requests"]["total"] == 0


def test_invalid_setting_value(sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox, requests_per_minute="fast")))
    _assert_usage_error(_tap("--config", str(config)), "invalid settings", "requests_per_minute")


# Each: settings over the sandbox's working config, the words the one line must hold.
BAD_SETTINGS = [
    ({"requests_per_minute": 0}, ["requests_per_minute", "minimum"]),
    ({"requests_per_minute": -3}, ["requests_per_minute"]),
    ({"max_concurrent_requests": 0}, ["max_concurrent_requests"]),
    ({"request_timeout": 0}, ["request_timeout"]),
    ({"backoff_base_seconds": -1}, ["backoff_base_seconds"]),
    ({"page_size": 0}, ["page_size"]),
    ({"page_size": 101}, ["page_size", "maximum"]),
    ({"max_retries": 0}, ["max_retries"]),
    ({"max_retries": -1}, ["max_retries"]),
    ({"state_interval_seconds": -5}, ["state_interval_seconds", "minimum"]),
    ({"start_date": "yesterday"}, ["start_date", "not a date-time"]),
    ({"api_url": ""}, ["api_url", "not an http(s) URL"]),
    ({"api_url": "not a url"}, ["api_url"]),
    ({"api_url": "ROOT"}, ["api_url", "/api/1.0"]),
    ({"api_url": "ROOT/api/2.0"}, ["api_url", "/api/1.0"]),
    ({"workspaces": ["123"]}, ["workspaces", "123", "Acme Corp"]),
    ({"http_transport": "httpx"}, ["http_transport", "httpx"]),
    ({"full_table_refresh_hours": -1}, ["full_table_refresh_hours", "minimum"]),
    ({"full_table_refresh_hours": "daily"}, ["full_table_refresh_hours"]),
    ({"full_table_refresh_hours": 1e308}, ["full_table_refresh_hours", "maximum"]),
    ({"full_table_refresh_hours": 1.5}, ["full_table_refresh_hours", "integer"]),
]


@pytest.mark.parametrize(("settings", "words"), BAD_SETTINGS, ids=[str(s) for s, _ in BAD_SETTINGS])
def test_bad_settings_stop_before_any_record(sandbox, tmp_path: Path, settings: dict, words: list) -> None:
    root = sandbox.base_url.removesuffix("/api/1.0")
    settings = {k: v.replace("ROOT", root) if isinstance(v, str) else v for k, v in settings.items()}
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox, **settings)))
    _assert_usage_error(_tap("--config", str(config)), *words)


BAD_FILES = [
    ("--state", "[1, 2]", ["--state", "JSON object", "a list"]),
    ("--state", '"a string"', ["--state", "JSON object", "a string"]),
    ("--state", '{"bookmarks": "x"}', ["--state", "bookmarks", "object"]),
    ("--state", '{"bookmarks": {"tasks": [1]}}', ["--state", "bookmarks.tasks"]),
    (
        "--state",
        json.dumps(
            {
                "bookmarks": {
                    "tasks": {
                        "partitions": [
                            {
                                "context": {"project_gid": "1"},
                                "replication_key": "modified_at",
                                "replication_key_value": "last tuesday",
                            }
                        ]
                    }
                }
            }
        ),
        ["--state", "bookmarks.tasks", "last tuesday", "not a date-time"],
    ),
    ("--catalog", "[1, 2]", ["--catalog", "JSON object"]),
    ("--catalog", '{"streams": "all"}', ["--catalog", "streams"]),
]


@pytest.mark.parametrize(("option", "text", "words"), BAD_FILES, ids=[t for _, t, _ in BAD_FILES])
def test_files_of_the_wrong_shape_stop_before_any_record(
    sandbox, tmp_path: Path, option: str, text: str, words: list
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox)))
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    _assert_usage_error(_tap("--config", str(config), option, str(bad)), *words)
    assert sandbox.control("stats")["requests"]["total"] == 0


def test_a_valid_state_with_dates_passes(sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox, workspaces=["Acme Corp"])))
    state = tmp_path / "state.json"
    bookmark = {"replication_key": "modified_at", "replication_key_value": "2026-01-05T10:00:00.000Z"}
    state.write_text(json.dumps({"bookmarks": {"tasks": {"partitions": [{"context": {}, **bookmark}]}}}))
    run = _tap("--config", str(config), "--state", str(state), "--discover")
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("kind", ["html", "truncated", "no_data", "wrong_data"])
def test_a_broken_success_body_is_retried_then_fails_loudly(sandbox, tmp_path: Path, kind: str) -> None:
    # Once: retried, and the run holds every workspace. Every time: exit 1 naming the path, never "0 records".
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox, max_retries=3)))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(selected_catalog(tap_config(sandbox), ["workspaces"])))
    sandbox.control("faults", {"bad_body": kind, "bad_body_burst": 2})  # the check request, then the listing
    run = _tap("--config", str(config), "--catalog", str(catalog))
    assert run.returncode == 0, run.stderr
    assert run.stdout.count('"RECORD"') == len(sandbox.store.all("workspace"))

    sandbox.control("faults", {"bad_body": kind, "bad_body_burst": 1000})
    run = _tap("--config", str(config), "--catalog", str(catalog))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert '"RECORD"' not in run.stdout
    last = run.stderr.strip().splitlines()[-1]
    assert "giving up after 3 tries" in last and "/workspaces" in last, last


def test_a_retry_after_past_the_ceiling_stops_the_run_with_one_line(sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox, max_retry_after_seconds=30)))
    sandbox.control("faults", {"rate_limit_burst": 1, "rate_limit_retry_after": 100_000})
    run = _tap("--config", str(config))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert "100000 s" in last and "max_retry_after_seconds" in last, last
