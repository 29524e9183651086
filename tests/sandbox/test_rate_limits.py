"""Asana's rate limits per token: the per-minute budget, concurrent reads and writes, and search."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

import pytest
import requests

from asana_sandbox.errors import ApiError
from asana_sandbox.limits import LimitSettings, RateLimiter, SlidingWindow
from asana_sandbox.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN, build_app

from .helpers import error_message, workspace

# Verbatim from https://developers.asana.com/docs/rate-limits (asana-api.md §3.2).
RATE_LIMIT_MESSAGE = (
    "You've made too many requests and hit a rate limit. Please retry after the given amount of time."
)


def _retry_after(response: requests.Response) -> int:
    assert response.status_code == 429, response.text
    value = response.headers["Retry-After"]
    assert value.isdigit(), value
    return int(value)


def test_the_request_over_the_per_minute_budget_is_a_429_with_the_documented_body(sandbox_factory) -> None:
    client = sandbox_factory(requests_per_minute=5)
    for _ in range(5):
        assert client.get("/users/me").status_code == 200
    response = client.get("/users/me")
    assert 1 <= _retry_after(response) <= 60
    assert error_message(response.json()) == RATE_LIMIT_MESSAGE


def test_hammering_a_limited_token_gets_nothing_through(sandbox_factory) -> None:
    client = sandbox_factory(requests_per_minute=5)
    for _ in range(5):
        client.get("/users/me")
    waits = [_retry_after(client.get("/users/me")) for _ in range(20)]
    assert min(waits) >= 1
    stats = client.control("stats")
    assert stats["rate_limited"] == 20
    assert stats["requests"]["by_status"] == {"200": 5, "429": 20}


def test_rejected_requests_count_so_retry_after_does_not_shrink_while_hammering() -> None:
    window = SlidingWindow()
    assert window.hit(2, 0.0) is None
    assert window.hit(2, 1.0) is None
    first_wait = window.hit(2, 30.0)
    assert first_wait is not None
    for now in range(31, 61, 5):  # keep hammering through the rest of the minute
        assert window.hit(2, float(now)) is not None
    # The two accepted requests have left the window, but the rejected ones still count against it.
    wait = window.hit(2, 61.5)
    assert wait is not None and wait >= first_wait


def test_a_client_that_waits_retry_after_gets_through() -> None:
    window = SlidingWindow()
    assert window.hit(1, 0.0) is None
    wait = window.hit(1, 10.0)  # rejected, and counted: the budget is free a minute after it
    assert wait == 60
    assert window.hit(1, 10.0 + wait + 0.001) is None


def test_the_budget_is_per_token(sandbox_factory) -> None:
    client = sandbox_factory(requests_per_minute=3)
    for _ in range(3):
        client.get("/users/me")
    assert client.get("/users/me").status_code == 429
    grant = requests.post(
        f"{client.root_url}/-/oauth_token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": DEFAULT_REFRESH_TOKEN,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
        timeout=30,
    )
    oauth = {"Authorization": f"Bearer {grant.json()['access_token']}"}
    assert requests.get(f"{client.base_url}/users/me", headers=oauth, timeout=30).status_code == 200
    assert client.get("/users/me").status_code == 429


def test_the_default_budget_is_150_on_a_free_domain_and_1500_on_a_paid_one() -> None:
    assert build_app("demo", tier="free").limits.settings.requests_per_minute == 150
    assert build_app("demo", tier="premium").limits.settings.requests_per_minute == 1500
    assert build_app("demo").limits.settings.requests_per_minute == 1500  # the demo has an Enterprise org


def test_the_51st_concurrent_read_is_a_429(sandbox_factory) -> None:
    client = sandbox_factory()
    client.control("faults", {"delay_ms": 4000})  # long enough for 50 threads to get their requests in
    statuses: list[int] = []
    lock = threading.Lock()

    def read() -> None:
        status = requests.get(
            f"{client.base_url}/users/me", headers=client.session.headers, timeout=60
        ).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=read) for _ in range(50)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while client.server.app.limits.in_flight(client.server.token)[0] < 50:
        assert time.monotonic() < deadline, "the 50 slow reads never were in flight together"
        time.sleep(0.02)
    assert _retry_after(client.get("/users/me")) >= 1
    for thread in threads:
        thread.join()
    assert statuses == [200] * 50
    client.control("faults", {"delay_ms": 0})
    assert client.get("/users/me").status_code == 200


def test_the_16th_concurrent_write_is_a_429_and_reads_have_their_own_limit() -> None:
    limiter = RateLimiter(LimitSettings(requests_per_minute=1000))
    with ExitStack() as in_flight:
        for _ in range(15):
            in_flight.enter_context(limiter.admit("token", "POST"))
        with pytest.raises(ApiError) as raised, limiter.admit("token", "DELETE"):
            pass
        assert raised.value.status == 429
        assert raised.value.headers["Retry-After"].isdigit()
        with limiter.admit("token", "GET"), limiter.admit("other-token", "PUT"):
            assert limiter.in_flight("token") == (1, 15)
    assert limiter.in_flight("token") == (0, 0)


def test_search_is_limited_to_60_requests_a_minute(sandbox_factory) -> None:
    client = sandbox_factory()
    path = f"/workspaces/{workspace(client.store)['gid']}/tasks/search"
    for _ in range(60):
        assert client.get(path, text="a").status_code == 200
    assert _retry_after(client.get(path, text="a")) >= 1
    assert client.get(f"/workspaces/{workspace(client.store)['gid']}/projects/search").status_code == 429
    assert client.get("/users/me").status_code == 200  # other requests keep their own budget
