"""A change made in the sandbox reaches the receiver through a webhook, then tap-asana's `webhook_events`."""

from __future__ import annotations

import json

import requests
from click.testing import CliRunner

from asana_webhooks.cli import main
from asana_webhooks.queue import EventQueue
from asana_webhooks.receiver import Receiver, ReceiverServer
from asana_webhooks.secrets import SecretStore
from tests.tap.tap_runner import FAST, run_tap
from tests.webhooks.helpers import event, sign


def test_a_sandbox_change_arrives_through_the_receiver_and_the_stream(sandbox_factory, tmp_path) -> None:
    sandbox = sandbox_factory(allow_loopback_webhooks=True)
    queue_path = tmp_path / "queue.sqlite"
    store = SecretStore(tmp_path / "queue.sqlite.secrets.json")
    receiver = ReceiverServer(Receiver(EventQueue(queue_path), store), port=0, threads=4).start()
    config = {
        "access_token": sandbox.token,
        "api_url": sandbox.base_url,
        "webhook_queue": str(queue_path),
        **FAST,
    }
    (tmp_path / "tap.json").write_text(json.dumps(config))
    try:
        project = sandbox.store.all("project")[0]
        created = CliRunner().invoke(
            main,
            [
                "create",
                "--config",
                str(tmp_path / "tap.json"),
                "--resource",
                project["gid"],
                "--target",
                receiver.url,
            ],
        )
        assert created.exit_code == 0, created.output
        (hook,) = store.hooks()

        task = sandbox.get(f"/projects/{project['gid']}/tasks").json()["data"][0]
        assert (
            sandbox.put(f"/tasks/{task['gid']}", {"name": "Renamed while a webhook listens"}).status_code
            == 200
        )
        # A forged delivery on the same path, between the real ones, is refused and never reaches the tap.
        forged = json.dumps({"events": [event(666)]}).encode()
        answer = requests.post(
            hook.target, data=forged, headers={"X-Hook-Signature": sign("not the secret", forged)}, timeout=10
        )
        assert answer.status_code == 401
        flushed = sandbox.control("webhooks/flush", {"wait_seconds": 10})
        stats = flushed["webhooks"]["by_webhook"][hook.webhook_gid]
        assert stats["failed"] == 0 and stats["events_delivered"] >= 1
        # Heartbeats (an empty, signed batch every 8 hours) are answered and store nothing.
        with EventQueue(queue_path) as queue:
            before = queue.count()
        beats = sandbox.control("webhooks/heartbeat", {})["webhooks"]["by_webhook"][hook.webhook_gid]
        assert beats["heartbeats"] == stats["heartbeats"] + 1 and beats["failed"] == 0
        with EventQueue(queue_path) as queue:
            assert queue.count() == before

        first = run_tap(config, streams=["webhook_events"])
        records = first.records["webhook_events"]
        renamed = [
            r
            for r in records
            if r["resource"]["gid"] == task["gid"]
            and r["action"] == "changed"
            and r["change"]["field"] == "name"
        ]
        assert renamed, records
        assert renamed[0]["webhook_gid"] == hook.webhook_gid and renamed[0]["webhook_path"] == hook.token
        assert all(r["resource"]["gid"] != event(666)["resource"]["gid"] for r in records)
        secret = store.secret_for(hook.token).decode()
        assert secret not in json.dumps(records) and secret not in json.dumps(first.states)

        # The next run, given the state, removes what it covers; a second change comes through alone.
        assert (
            sandbox.post(f"/tasks/{task['gid']}/stories", {"text": "Seen through the webhook"}).status_code
            == 201
        )
        sandbox.control("webhooks/flush", {"wait_seconds": 10})
        second = run_tap(config, streams=["webhook_events"], state=first.state)
        new = second.records["webhook_events"]
        assert new and {r["queue_seq"] for r in new}.isdisjoint({r["queue_seq"] for r in records})
        assert any(r["action"] == "added" and r["resource"]["resource_type"] == "story" for r in new)
        with EventQueue(queue_path) as queue:
            assert queue.count() == len(new)
    finally:
        receiver.stop()
