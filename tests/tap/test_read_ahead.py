"""Read-ahead: the same records, in the same order, with the same requests, whether or not workers send
the requests ahead of the SDK's depth-first sync; and the queue itself (order, bounds, errors)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from asana_client.transport import AsanaResponse
from tap_asana.read_ahead import ReadAhead, answer_size, shed_decoded
from tap_asana.streams.tasks import TaskChildStream
from tests.tap.tap_runner import run_tap, tap_config


def _counts(sandbox) -> dict[str, int]:
    return {
        route: n
        for route, n in sandbox.control("stats")["requests"]["by_route"].items()
        if not route.startswith(("GET /_sandbox", "POST /_sandbox"))
    }


def _reset(sandbox) -> None:
    sandbox.control("reset", {})


def _records(result) -> dict[str, list[tuple]]:
    """Each stream's records in emitted order: ids only (the two sandboxes' mutations differ in time)."""
    return {
        stream: [(r.get("gid"), r.get("resource_type"), bool(r.get("_sdc_deleted_at"))) for r in rows]
        for stream, rows in result.records.items()
    }


def test_full_and_incremental_runs_are_the_same_with_and_without_read_ahead(sandbox_factory) -> None:
    """Every default stream, a full run, a mutation, an incremental run: identical records in identical
    order and identical requests per route, one worker (no read-ahead) against eight."""
    runs = {}
    for workers in (1, 8):
        sandbox = sandbox_factory()
        _reset(sandbox)
        full = run_tap(tap_config(sandbox, max_concurrent_requests=workers))
        full_requests = _counts(sandbox)
        sandbox.control("mutate", {"fraction": 0.1, "seed": 11})
        _reset(sandbox)
        incremental = run_tap(tap_config(sandbox, max_concurrent_requests=workers), state=full.state)
        runs[workers] = (full, full_requests, incremental, _counts(sandbox))
        read_ahead = full.tap.read_ahead
        if workers > 1:
            assert read_ahead is not None and read_ahead.hits > 0
            assert read_ahead.pending == 0  # nothing left queued or held when the run ends
        else:
            assert read_ahead is None
    (full1, req1, inc1, ireq1), (full8, req8, inc8, ireq8) = runs[1], runs[8]
    assert _records(full8) == _records(full1)
    assert req8 == req1
    assert _records(inc8) == _records(inc1)
    assert ireq8 == ireq1
    assert sum(len(rows) for rows in inc8.records.values()) > 0


def test_most_answers_come_from_the_workers(sandbox) -> None:
    result = run_tap(tap_config(sandbox, max_concurrent_requests=8))
    read_ahead = result.tap.read_ahead
    total = sum(_counts(sandbox).values())
    # The main thread sends only what nothing could know in advance: the top-level lists, the first events
    # page of each project, the tasks listings that follow it; the rest was read ahead.
    assert read_ahead.hits > total / 2, (read_ahead.hits, read_ahead.misses, total)


def test_a_failing_run_leaves_no_request_queued(sandbox, monkeypatch) -> None:
    def explode(self, context):
        raise RuntimeError("target went away")
        yield  # pragma: no cover

    monkeypatch.setattr(TaskChildStream, "get_records", explode)
    result = run_tap(tap_config(sandbox), streams=["tasks", "stories"], raise_errors=False)
    assert isinstance(result.error, RuntimeError)
    assert result.tap.read_ahead.pending == 0


# -- the queue ------------------------------------------------------------------------------------


def test_later_pushes_run_first_and_answers_are_taken_by_key() -> None:
    gate = threading.Event()
    order: list[str] = []

    def job(name: str):
        def run() -> str:
            gate.wait(5)
            order.append(name)
            return name

        return run

    queue = ReadAhead(1)
    queue.push([("blocker", job("blocker"))])
    time.sleep(0.05)  # the one worker is now inside "blocker"
    queue.push([("a1", job("a1")), ("a2", job("a2"))])
    queue.push([("b1", job("b1")), ("b2", job("b2"))])  # children of a1: needed before a2
    gate.set()
    _settle(queue)
    assert order == ["blocker", "b1", "b2", "a1", "a2"]
    assert queue.take("a2") == (True, "a2")
    assert queue.take("b1") == (True, "b1")
    assert queue.take("missing") == (False, None)
    queue.close()


def test_a_request_no_worker_started_is_left_to_the_caller() -> None:
    gate = threading.Event()
    queue = ReadAhead(1)
    queue.push([("busy", lambda: gate.wait(5)), ("queued", lambda: "never")])
    time.sleep(0.05)
    assert queue.take("queued") == (False, None)  # the caller sends it now, in order
    gate.set()
    assert queue.take("busy") == (True, True)
    assert queue.misses == 1 and queue.hits == 1 and queue.pending == 0
    queue.close()


def test_an_error_reaches_the_caller_where_the_request_would_have_failed() -> None:
    def fail() -> None:
        raise ConnectionError("reset by peer")

    queue = ReadAhead(2)
    queue.push([("bad", fail)])
    _settle(queue)
    with pytest.raises(ConnectionError, match="reset by peer"):
        queue.take("bad")
    queue.close()


def _settle(queue: ReadAhead) -> list[int]:
    """Wait until the workers are idle; the keys whose answers are held."""
    time.sleep(0.2)
    return sorted(k for k, job in queue._jobs.items() if job.state == 2)


def test_held_answers_are_bounded_and_taking_one_makes_room() -> None:
    queue = ReadAhead(1, size_of=len, max_held_bytes=10)
    queue.push([(n, lambda: "x" * 6) for n in range(4)])
    # 6 bytes held is under the bound, 12 is not: the worker pauses after the second answer.
    assert _settle(queue) == [0, 1]
    assert queue.take(0) == (True, "xxxxxx")
    assert _settle(queue) == [1, 2]
    queue.discard([1, 2])
    assert _settle(queue) == [3]
    assert queue.take(3) == (True, "xxxxxx") and queue.pending == 0
    queue.close()


def test_close_stops_the_workers_and_drops_what_is_queued() -> None:
    queue = ReadAhead(2)
    queue.push([(n, lambda: time.sleep(0.01)) for n in range(50)])
    queue.close()
    assert queue.pending == 0
    assert queue.push([("late", lambda: 1)]) == []


def test_idle_workers_sleep_through_the_takes() -> None:
    """A take wakes no worker (one shared condition woke all of them at every take, for nothing)."""
    queue = ReadAhead(8)
    wakeups = []
    wait = queue._work_ready.wait

    def counted_wait(timeout: float | None = None) -> bool:
        woken = wait(timeout)
        wakeups.append(1)
        return woken

    queue._work_ready.wait = counted_wait  # type: ignore[method-assign]
    queue.push([("first", lambda: 1)])
    _settle(queue)  # every worker asleep
    assert queue.take("first") == (True, 1)
    time.sleep(0.05)
    wakeups.clear()
    for n in range(200):
        queue.put(n, n)
        assert queue.take(n) == (True, n)
    time.sleep(0.05)
    assert wakeups == []
    queue.push([("last", lambda: 2)])  # a push does wake a worker
    _settle(queue)
    assert queue.take("last") == (True, 2)
    assert wakeups
    queue.close()


def _page_answer(body: bytes) -> tuple[requests.PreparedRequest, AsanaResponse]:
    response = AsanaResponse()
    response.status_code, response._content = 200, body
    response.headers["Content-Type"] = "application/json; charset=UTF-8"
    return requests.PreparedRequest(), response


def test_a_held_answer_keeps_its_bytes_not_its_decoded_body() -> None:
    """The worker decodes an answer to check it; held, it is kept as bytes and decoded again when taken
    (a decoded page takes some four times its bytes)."""
    body = b'{"data": [{"gid": "1", "name": "a"}], "next_page": null}'
    release = threading.Event()
    queue = ReadAhead(1, size_of=answer_size, on_hold=shed_decoded)

    def checked() -> tuple[requests.PreparedRequest, AsanaResponse]:
        answer = _page_answer(body)
        answer[1].json()  # as the worker's checks do
        return answer

    def slow() -> tuple[requests.PreparedRequest, AsanaResponse]:
        release.wait(5)
        return checked()

    queue.push([("held", checked)])
    _settle(queue)
    held = queue._jobs["held"].result[1]
    assert "_decoded" not in held.__dict__ and held.content == body
    assert queue.take("held")[1][1].json() == {"data": [{"gid": "1", "name": "a"}], "next_page": None}
    # An answer the main thread already waits for is handed over as the worker left it: no second decode.
    queue.push([("awaited", slow)])
    time.sleep(0.1)  # the worker has started it
    threading.Timer(0.1, release.set).start()
    taken = queue.take("awaited")[1][1]
    assert "_decoded" in taken.__dict__
    queue.close()


def test_shed_decoded_reaches_every_response_of_an_answer() -> None:
    pairs = [_page_answer(b'{"data": []}') for _ in range(3)]
    for _, response in pairs:
        response.json()
    shed_decoded([("a", pairs[0], None), ("b", pairs[1], None)])
    shed_decoded(pairs[2])
    shed_decoded(None)  # a job's result that is no answer: left alone
    assert all("_decoded" not in response.__dict__ for _, response in pairs)
    assert pairs[0][1].json() == {"data": []}
