"""The Meltano job `asana-webhooks-to-duckdb`: a sandbox change, through the receiver, into DuckDB."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from asana_webhooks.cli import main
from asana_webhooks.queue import EventQueue
from asana_webhooks.receiver import Receiver, ReceiverServer
from asana_webhooks.secrets import SecretStore
from tests.e2e.conftest import isolated_run, pipeline

# About 10 s (two Meltano runs); part of `make test`, as the other e2e tests are: it is the check.
pytestmark = pytest.mark.e2e

RAW = "asana_raw"


def test_the_webhook_job_loads_sandbox_changes_into_duckdb_and_drains_the_queue(
    sandbox_factory, tmp_path
) -> None:
    pipeline.ensure_plugins()
    run = isolated_run("webhooks-job")
    sandbox = sandbox_factory(allow_loopback_webhooks=True)
    queue_path = tmp_path / "queue.sqlite"
    store = SecretStore(tmp_path / "queue.sqlite.secrets.json")
    receiver = ReceiverServer(Receiver(EventQueue(queue_path), store), port=0, threads=4).start()
    config = tmp_path / "tap.json"
    config.write_text(
        json.dumps(
            {"access_token": sandbox.token, "api_url": sandbox.base_url, "webhook_queue": str(queue_path)}
        )
    )
    env = {
        **pipeline.sandbox_env(sandbox.base_url, sandbox.token),
        "TAP_ASANA__WEBHOOKS_WEBHOOK_QUEUE": str(queue_path),
    }
    try:
        project = sandbox.store.all("project")[0]
        args = ["create", "--config", str(config), "--resource", project["gid"], "--target", receiver.url]
        assert CliRunner().invoke(main, args).exit_code == 0
        task = sandbox.get(f"/projects/{project['gid']}/tasks").json()["data"][0]
        sandbox.put(f"/tasks/{task['gid']}", {"name": "Renamed for the warehouse"})
        sandbox.control("webhooks/flush", {"wait_seconds": 10})

        run("run", "asana-webhooks-to-duckdb", **env)
        rows = events_in(run.duckdb_path)
        assert any(r["action"] == "changed" and task["gid"] in r["resource"] for r in rows), rows
        first_count = len(rows)
        with EventQueue(queue_path) as queue:
            assert queue.count() == first_count, "nothing is drained before the state comes back"

        sandbox.post(f"/tasks/{task['gid']}/stories", {"text": "A comment after the first load"})
        sandbox.control("webhooks/flush", {"wait_seconds": 10})
        run("run", "asana-webhooks-to-duckdb", **env)
        rows = events_in(run.duckdb_path)
        assert len(rows) > first_count
        assert len({r["event_id"] for r in rows}) == len(rows)
        with EventQueue(queue_path) as queue:
            assert queue.count() == len(rows) - first_count, "the second run drained what the first loaded"
    finally:
        receiver.stop()
        if not os.environ.get("KEEP_E2E_OUTPUT"):
            shutil.rmtree(run.workdir, ignore_errors=True)


def events_in(db) -> list[dict]:
    sql = (
        f"select event_id, queue_seq, action, cast(resource as varchar) as resource from {RAW}.webhook_events"
    )
    return pipeline.duckdb_queries([sql], db)[0]
