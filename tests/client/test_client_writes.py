"""AsanaClient's writes, against a fake transport (the sandbox has no write routes yet)."""

from __future__ import annotations

import json

import pytest
import requests
from singer_sdk.exceptions import FatalAPIError

from asana_client import (
    AccessDeniedError,
    InvalidRequestError,
    NotFoundError,
    RetriesExhaustedError,
    UncertainWriteError,
)
from asana_client.throttle import ASANA_MAX_CONCURRENT_WRITES
from tests.client.fake_asana import TOKEN, FakeAsana, call_in_threads, error, ok


def test_writes_are_held_to_15_in_flight() -> None:
    fake = FakeAsana(delay=0.1)
    client = fake.client(max_concurrent_requests=50)
    call_in_threads(40, lambda _: client.post("/tasks", {"data": {"name": "t"}}))
    assert len(fake.sent) == 40
    assert fake.peak["write"] == ASANA_MAX_CONCURRENT_WRITES == 15


def test_reads_have_their_own_pool_beside_the_writes() -> None:
    fake = FakeAsana(delay=0.1)
    client = fake.client(max_concurrent_requests=30)
    call_in_threads(60, lambda i: client.get("/users/me") if i % 2 else client.put("/tasks/1", {"data": {}}))
    assert fake.peak["write"] == 15
    assert 15 < fake.peak["read"] <= 30


def test_post_body_and_answer() -> None:
    fake = FakeAsana(ok({"gid": "42", "name": "Write the docs"}))
    body = fake.client().post("/tasks", {"data": {"name": "Write the docs"}}, params={"opt_fields": "name"})
    assert body == {"data": {"gid": "42", "name": "Write the docs"}}
    sent = fake.sent[0]
    assert sent.method == "POST" and sent.url == "https://asana.test/api/1.0/tasks?opt_fields=name"
    assert json.loads(sent.body or b"") == {"data": {"name": "Write the docs"}}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"


def test_delete_with_an_empty_answer_returns_an_empty_dict() -> None:
    fake = FakeAsana((200, None, {}))
    assert fake.client().delete("/tasks/1") == {}
    assert fake.sent[0].method == "DELETE"


def test_post_429_waits_retry_after_and_is_sent_again() -> None:
    fake = FakeAsana(error(429, "Rate limited", {"Retry-After": "0"}), ok({"gid": "7"}))
    assert fake.client().post("/tasks", {"data": {}})["data"]["gid"] == "7"
    assert len(fake.sent) == 2


@pytest.mark.parametrize(
    "failure",
    [
        error(500, "Server Error"),
        error(503),
        requests.exceptions.ConnectionError("dropped"),
        requests.Timeout(),
    ],
    ids=["500", "503", "dropped", "timeout"],
)
def test_post_that_may_have_applied_is_not_sent_again(failure) -> None:
    fake = FakeAsana(failure)
    with pytest.raises(
        UncertainWriteError, match=r"^POST /tasks: .*not sent again, since Asana may have applied"
    ):
        fake.client().post("/tasks", {"data": {"name": "once"}})
    assert len(fake.sent) == 1


def test_post_that_never_left_is_sent_again() -> None:
    fake = FakeAsana(requests.exceptions.ConnectTimeout("no connection"), ok())
    fake.client().post("/tasks", {"data": {}})
    assert len(fake.sent) == 2


def test_idempotent_post_is_retried_after_a_5xx() -> None:
    fake = FakeAsana(error(503), ok())
    fake.client().post("/tasks/1/addFollowers", {"data": {"followers": ["me"]}}, idempotent=True)
    assert len(fake.sent) == 2


def test_put_is_retried_after_a_5xx_then_given_up() -> None:
    fake = FakeAsana(default=error(502))
    with pytest.raises(
        RetriesExhaustedError, match=r"^PUT /tasks/1: giving up after 3 tries; last error: 502"
    ):
        fake.client(max_retries=3).put("/tasks/1", {"data": {"name": "x"}})
    assert len(fake.sent) == 3


@pytest.mark.parametrize(
    ("status", "exception"),
    [(400, InvalidRequestError), (402, AccessDeniedError), (403, AccessDeniedError), (404, NotFoundError)],
)
def test_rejections_map_to_exceptions_naming_method_path_and_asana_message(status, exception) -> None:
    fake = FakeAsana(error(status, "name: Missing input"))
    with pytest.raises(exception, match=rf"^{status} .* for POST /api/1.0/tasks: name: Missing input$"):
        fake.client().post("/tasks", {"data": {}})
    assert len(fake.sent) == 1


def test_multipart_upload_is_sent_whole_on_every_try(tmp_path) -> None:
    fake = FakeAsana(error(429, headers={"Retry-After": "0"}), ok({"gid": "9"}))
    path = tmp_path / "notes.txt"
    path.write_bytes(b"meeting notes")
    with path.open("rb") as handle:
        fake.client().post("/attachments", files={"file": ("notes.txt", handle, "text/plain")})
    first, second = fake.sent
    assert first.body == second.body and b"meeting notes" in (first.body or b"")
    assert first.headers["Content-Type"].startswith("multipart/form-data")


def test_paginate_stops_at_an_empty_page_even_when_a_next_page_is_offered() -> None:
    page = {"data": [{"gid": "1"}], "next_page": {"offset": "a"}}
    fake = FakeAsana((200, page, {}), (200, {"data": [], "next_page": {"offset": "b"}}, {}))
    assert [r["gid"] for r in fake.client().paginate("/workspaces/1/audit_log_events")] == ["1"]
    assert [r.url.rsplit("?", 1)[-1] for r in fake.sent] == ["limit=100", "limit=100&offset=a"]


def test_paginate_refuses_to_loop_on_a_repeated_offset() -> None:
    page = (200, {"data": [{"gid": "1"}], "next_page": {"offset": "same"}}, {})
    fake = FakeAsana(page, page, page)
    with pytest.raises(FatalAPIError, match="same next_page offset twice"):
        list(fake.client().paginate("/tags"))
