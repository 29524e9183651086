"""Failures the tap must ride out: 429 with Retry-After, 5xx, dropped connections; and when to give up."""

from __future__ import annotations

import logging
import re

import pytest
import requests
from singer_sdk.exceptions import RetriableAPIError

from asana_client.errors import RetriesExhaustedError
from tap_asana.streams import STREAM_TYPES
from tap_asana.tap import TapAsana
from tests.tap.tap_runner import run_tap, tap_config, tap_with_config

WAIT_LOG = re.compile(r"retry \d+ in (?P<wait>[0-9.]+)s")
PARENT_STREAMS = ["workspaces", "users", "projects", "sections"]


def _waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    return [float(m["wait"]) for r in caplog.records if (m := WAIT_LOG.search(r.getMessage()))]


def test_429_waits_exactly_retry_after_then_succeeds(sandbox, caplog) -> None:
    sandbox.control("faults", {"rate_limit_burst": 2})
    with caplog.at_level(logging.WARNING):
        result = run_tap(tap_config(sandbox), streams=["workspaces", "users"])
    assert sandbox.control("stats")["rate_limited"] == 2
    assert _waits(caplog) == [1.0, 1.0]  # the sandbox's Retry-After, not the exponential schedule
    assert sorted(result.gids("users")) == sorted(u["gid"] for u in sandbox.store.all("user"))


def test_server_errors_and_dropped_connections_are_retried(sandbox) -> None:
    sandbox.control("faults", {"error_rate": 0.25, "error_status": 503, "drop_rate": 0.1, "seed": 3})
    result = run_tap(tap_config(sandbox), streams=PARENT_STREAMS)
    stats = sandbox.control("stats")["requests"]["by_status"]
    assert int(stats.get("503", 0)) > 0
    assert sorted(result.gids("sections")) == sorted(s["gid"] for s in sandbox.store.all("section"))
    assert len(result.gids("sections")) == len(set(result.gids("sections")))


def test_backoff_is_exponential_with_jitter_for_5xx() -> None:
    tap = TapAsana(config={"access_token": "t", "backoff_base_seconds": 1.0, "backoff_max_seconds": 8.0})
    stream = next(iter(tap.streams.values()))
    response = requests.Response()
    response.status_code = 503
    error = RetriableAPIError("503", response)
    waits = stream.backoff_wait_generator()
    next(waits)
    observed = [waits.send(error) for _ in range(6)]
    for attempt, wait in enumerate(observed):
        ceiling = min(8.0, 2.0**attempt)
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(observed)) > 1


def test_gives_up_after_max_retries_with_a_clear_error(sandbox) -> None:
    sandbox.control("faults", {"error_rate": 1.0, "error_status": 502})
    with pytest.raises(RetriesExhaustedError, match=r"giving up after 3 tries; last error: 502"):
        run_tap(tap_config(sandbox, max_retries=3), streams=["workspaces"])
    assert sandbox.control("stats")["requests"]["by_status"] == {"502": 3}


def test_cli_reports_exhausted_retries_in_one_line(sandbox, tmp_path) -> None:
    sandbox.control("faults", {"error_rate": 1.0, "error_status": 500})
    run = tap_with_config(tap_config(sandbox, max_retries=2), tmp_path)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "giving up after 2 tries" in run.stderr.splitlines()[-1]


def test_every_stream_uses_the_shared_request_path() -> None:
    # One HTTP path: no stream overrides the request loop or the retry policy.
    for stream_type in STREAM_TYPES:
        for hook in ("fetch", "request_decorator", "validate_response", "backoff_wait_generator"):
            assert getattr(stream_type, hook).__qualname__.startswith("AsanaStream."), (stream_type, hook)


def test_retries_count_against_the_rate_limiter(sandbox) -> None:
    sandbox.control("faults", {"rate_limit_burst": 2, "error_rate": 0.2, "error_status": 500, "seed": 5})
    result = run_tap(tap_config(sandbox), streams=["workspaces", "users", "projects"])
    requests_seen = sandbox.control("stats")["requests"]
    assert requests_seen["by_status"]["429"] == 2
    assert requests_seen["total"] > requests_seen["by_status"]["200"]  # some calls were retried
    # Every attempt, the retried ones included, went through the tap's limiter.
    assert result.tap.rate_limiter.admitted == requests_seen["total"]
