"""The client-side limiter: a sliding one-minute budget and a concurrency cap, shared per tap."""

from __future__ import annotations

import threading
import time

import pytest

from asana_client.throttle import RateLimiter
from tap_asana.tap import TapAsana
from tests.tap.tap_runner import run_tap, tap_config


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_sliding_window_never_admits_more_than_the_budget_per_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, window_seconds=60.0, clock=clock, sleep=clock.sleep)
    admitted_at = []
    for _ in range(12):
        limiter.acquire_rate()
        admitted_at.append(clock.now)
        clock.now += 1.0  # one request per second of work
    # Any 60 s window holds at most 5 admissions.
    for start in admitted_at:
        assert sum(start <= t < start + 60.0 for t in admitted_at) <= 5
    assert admitted_at[5] == pytest.approx(admitted_at[0] + 60.0)
    assert limiter.admitted == 12


def test_a_batch_call_takes_one_window_slot_per_action() -> None:
    """Asana counts each action of `POST /batch` against the budget; the limiter does the same."""
    clock = FakeClock()
    limiter = RateLimiter(10, window_seconds=60.0, clock=clock, sleep=clock.sleep)
    limiter.acquire_rate(cost=4)
    limiter.acquire_rate(cost=4)
    clock.now = 5.0
    limiter.acquire_rate(cost=4)  # 12 > 10: waits until the first four leave the window at t=60
    assert clock.now == pytest.approx(60.0)
    assert limiter.admitted == 12


def test_window_frees_slots_as_old_requests_age_out() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, window_seconds=10.0, clock=clock, sleep=clock.sleep)
    limiter.acquire_rate()
    clock.now = 4.0
    limiter.acquire_rate()
    clock.now = 5.0
    limiter.acquire_rate()  # waits until the first one (t=0) leaves at t=10
    assert clock.now == pytest.approx(10.0)
    assert clock.sleeps == [pytest.approx(5.0)]


def test_concurrency_cap_holds_across_threads() -> None:
    limiter = RateLimiter(1000, max_concurrent=2)
    in_flight = peak = 0
    lock = threading.Lock()

    def call() -> None:
        nonlocal in_flight, peak
        with limiter.slot():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


def test_limiter_is_shared_by_streams_of_one_tap_not_across_taps(sandbox) -> None:
    config = tap_config(sandbox)
    first, second = TapAsana(config=config), TapAsana(config=config)
    assert all(stream._tap.rate_limiter is first.rate_limiter for stream in first.streams.values())
    assert first.rate_limiter is not second.rate_limiter


def test_sync_at_the_sandbox_limit_gets_no_429(sandbox_factory) -> None:
    """A budget equal to the server's keeps the run clear of 429s even when it needs more than a minute."""
    budget = 12
    sandbox = sandbox_factory(requests_per_minute=budget)
    config = tap_config(sandbox, requests_per_minute=budget, max_retries=1)
    result = run_tap(config, streams=["workspaces", "users", "projects", "sections"])
    stats = sandbox.control("stats")
    assert stats["requests"]["total"] > budget  # the run had to wait for the window
    assert stats["rate_limited"] == 0
    # 412: the first read of each workspace's events, which answers with the first sync token; 402: the
    # events of a workspace below Enterprise, which Asana does not serve.
    assert stats["requests"]["by_status"].keys() <= {"200", "412", "402"}
    assert len(result.records["sections"]) == len(sandbox.store.all("section"))
