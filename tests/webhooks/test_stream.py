"""tap-asana's `webhook_events` stream drains the receiver's queue at least once."""

from __future__ import annotations

import logging

from asana_webhooks.queue import EventQueue, event_digest
from tests.tap.tap_runner import run_tap
from tests.webhooks.helpers import event

HOOK = "hookpath-0001"


def config(queue_path) -> dict:
    # No API call is made for this stream; the URL only has to be well formed.
    return {
        "access_token": "unused",
        "api_url": "http://127.0.0.1:9/api/1.0",
        "webhook_queue": str(queue_path),
    }


def fill(queue_path, numbers) -> None:
    with EventQueue(queue_path) as queue:
        queue.append(HOOK, [event(n) for n in numbers], webhook_gid="4400")


def drain(queue_path, state=None):
    result = run_tap(config(queue_path), streams=["webhook_events"], state=state)
    return result.records.get("webhook_events", []), result.state


def waiting(queue_path) -> int:
    with EventQueue(queue_path) as queue:
        return queue.count()


def test_a_run_emits_every_queued_event_in_order_with_where_it_came_from(tmp_path) -> None:
    queue_path = tmp_path / "queue.sqlite"
    fill(queue_path, range(3))
    records, state = drain(queue_path)
    assert [r["queue_seq"] for r in records] == [1, 2, 3]
    first = records[0]
    assert first["event_id"] == event_digest(HOOK, event(0))
    assert (first["webhook_path"], first["webhook_gid"]) == (HOOK, "4400")
    assert first["received_at"].endswith("Z")
    for field in ("user", "created_at", "action", "resource", "parent", "change", "type"):
        assert first[field] == event(0)[field], field
    bookmark = state["bookmarks"]["webhook_events"]
    assert bookmark["replication_key"] == "queue_seq" and bookmark["replication_key_value"] == 3
    assert bookmark["queue_id"]
    assert waiting(queue_path) == 3, "nothing leaves the queue before a state covering it comes back"


def test_a_run_whose_state_was_not_passed_on_emits_the_same_events_again(tmp_path) -> None:
    queue_path = tmp_path / "queue.sqlite"
    fill(queue_path, range(3))
    first, _ = drain(queue_path)
    again, _ = drain(queue_path)  # e.g. the loader failed, so Meltano kept the older state (none)
    assert [r["event_id"] for r in again] == [r["event_id"] for r in first]
    assert waiting(queue_path) == 3


def test_a_run_given_the_state_deletes_what_it_covers_and_emits_only_what_came_since(tmp_path) -> None:
    queue_path = tmp_path / "queue.sqlite"
    fill(queue_path, range(3))
    _, state = drain(queue_path)
    fill(queue_path, range(3, 5))
    records, state = drain(queue_path, state)
    assert [r["queue_seq"] for r in records] == [4, 5]
    assert waiting(queue_path) == 2
    records, state = drain(queue_path, state)
    assert records == []
    assert waiting(queue_path) == 0
    assert state["bookmarks"]["webhook_events"]["replication_key_value"] == 5


def test_a_state_covering_part_of_the_queue_deletes_only_that_part(tmp_path) -> None:
    queue_path = tmp_path / "queue.sqlite"
    fill(queue_path, range(4))
    _, state = drain(queue_path)
    state["bookmarks"]["webhook_events"]["replication_key_value"] = 2  # the run stopped after two records
    records, _ = drain(queue_path, state)
    assert [r["queue_seq"] for r in records] == [3, 4]
    assert waiting(queue_path) == 2


def test_a_bookmark_of_another_queue_deletes_nothing(tmp_path, caplog) -> None:
    old = tmp_path / "old.sqlite"
    fill(old, range(5))
    _, old_state = drain(old)
    new = tmp_path / "new.sqlite"  # e.g. the queue file was recreated: its numbers start again at 1
    fill(new, range(10, 12))
    caplog.set_level(logging.WARNING)
    records, state = drain(new, old_state)
    assert [r["queue_seq"] for r in records] == [1, 2]
    assert waiting(new) == 2
    assert "not of the queue" in caplog.text
    assert state["bookmarks"]["webhook_events"]["replication_key_value"] == 2


def test_the_stream_is_off_without_webhook_queue(tmp_path) -> None:
    plain = {k: v for k, v in config(tmp_path / "q.sqlite").items() if k != "webhook_queue"}
    result = run_tap(plain, streams=["webhook_events"])
    assert "webhook_events" not in result.schemas
    assert not result.records


def test_a_queue_that_does_not_exist_yet_is_a_warning_not_a_failure(tmp_path, caplog) -> None:
    queue_path = tmp_path / "nowhere" / "queue.sqlite"
    caplog.set_level(logging.WARNING)
    records, _ = drain(queue_path)
    assert records == []
    assert "no webhook queue at" in caplog.text
    assert not queue_path.exists()
