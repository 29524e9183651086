"""Meltano on day one: the sandbox environment never reaches real Asana, target-jsonl runs quietly."""

from __future__ import annotations

import json
import subprocess

import pipeline
import pytest

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer
from tests.e2e.store_streams import expected_counts

pytestmark = pytest.mark.e2e

REAL_LOOKING_PAT = "2/1200000000000000/1209999999999999:0123456789abcdef0123456789abcdef"


def _meltano(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(pipeline.meltano_executable()), *args],
        cwd=pipeline.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("command", [["config", "print", "tap-asana"], ["run", "asana-to-duckdb"]])
def test_sandbox_environment_without_its_url_stops_naming_it(meltano_run, command):
    """A PAT in `.env` (here the environment) and no `--environment=prod`: nothing runs, one line says why."""
    env = pipeline.meltano_env({**meltano_run.env, "TAP_ASANA_ACCESS_TOKEN": REAL_LOOKING_PAT})
    for name in ("ASANA_SANDBOX_URL", "ASANA_SANDBOX_TOKEN", "TAP_ASANA_API_URL"):
        env.pop(name, None)
    result = _meltano("--environment=sandbox", *command, env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Environment variable 'ASANA_SANDBOX_URL' referenced but not set" in output
    assert REAL_LOOKING_PAT not in output and "app.asana.com" not in output
    assert not (meltano_run.workdir / "asana.duckdb").exists()  # nothing was extracted or loaded


def test_sandbox_environment_reads_the_sandbox_url():
    env = pipeline.meltano_env(
        {"ASANA_SANDBOX_URL": "http://127.0.0.1:9/api/1.0", "ASANA_SANDBOX_TOKEN": "t"}
    )
    env.pop("TAP_ASANA_API_URL", None)
    result = _meltano("--environment=sandbox", "config", "print", "tap-asana--jsonl", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    config = json.loads(result.stdout[result.stdout.index("{") :])
    assert config["api_url"] == "http://127.0.0.1:9/api/1.0"  # the inherited copy keeps the environment
    assert config["emit_activate_version_messages"] is False


def test_target_jsonl_job_logs_no_warning_per_activate_version(meltano_run):
    """target-jsonl 0.1.4 warns on every ACTIVATE_VERSION; the asana-to-jsonl job's tap sends none."""
    server = SandboxServer("demo", port=0, requests_per_minute=1_000_000).start()
    try:
        result = meltano_run("run", "asana-to-jsonl", **pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN))
    finally:
        server.stop()
    log = result.stdout + result.stderr
    assert "Unknown message type" not in log
    tasks = (meltano_run.workdir / "jsonl" / "tasks.jsonl").read_text().splitlines()
    assert len(tasks) == expected_counts(server.store)["tasks"]
