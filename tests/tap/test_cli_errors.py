"""Bad input to the tap's command line: one line saying what to fix, a non-zero exit, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tap.tap_runner import tap_config


def _tap(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tap_asana", *args], capture_output=True, text=True, timeout=120, check=False
    )


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
    run = _tap("--config", str(config))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "requests_per_minute" in run.stderr
