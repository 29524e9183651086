"""The client's policies alone: retry decisions and waits, read and write pools, settings, timestamps."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import jsonschema
import pytest
import requests
from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from asana_client.pagination import next_offset, page_limit
from asana_client.retry import may_retry, retry_after, retrying, wait_generator
from asana_client.settings import AUTH_PROPERTIES, CONNECTION_PROPERTIES, ClientSettings
from asana_client.throttle import RateLimiter, is_write
from asana_client.timestamps import format_timestamp, parse_timestamp
from tap_asana.tap import TapAsana


def api_error(status: int, headers: dict[str, str] | None = None) -> RetriableAPIError:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    return RetriableAPIError(str(status), response)


# -- retries ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("failure", "idempotent", "expected"),
    [
        (api_error(429), False, True),  # refused unread
        (api_error(401), False, True),  # the 401 that refreshed an OAuth token
        (api_error(503), True, True),
        (api_error(503), False, False),  # a POST may have been applied
        (requests.exceptions.ConnectTimeout(), False, True),  # never left
        (requests.exceptions.ReadTimeout(), False, False),
        (requests.exceptions.ConnectionError(), True, True),
        (ConnectionResetError(), False, False),
        (FatalAPIError("400"), True, False),  # not retriable at all
    ],
)
def test_may_retry(failure, idempotent, expected) -> None:
    assert may_retry(failure, idempotent=idempotent) is expected


def test_retry_after_reads_only_a_429s_header() -> None:
    assert retry_after(api_error(429, {"Retry-After": "7"})) == 7.0
    assert retry_after(api_error(429, {"Retry-After": "soon"})) is None
    assert retry_after(api_error(429)) is None
    assert retry_after(api_error(503, {"Retry-After": "7"})) is None
    assert retry_after(requests.exceptions.ConnectionError()) is None


def test_waits_follow_retry_after_refresh_at_once_and_back_off_otherwise() -> None:
    waits = wait_generator(1.0, 8.0)
    next(waits)
    assert waits.send(api_error(429, {"Retry-After": "3"})) == 3.0
    assert waits.send(api_error(401)) == 0.0
    backoffs = [waits.send(api_error(502)) for _ in range(6)]
    for attempt, wait in enumerate(backoffs):
        ceiling = min(8.0, 2.0**attempt)
        assert ceiling / 2 <= wait <= ceiling


# -- throttle --------------------------------------------------------------------------------------
def test_pools_are_capped_at_asanas_limits() -> None:
    limiter = RateLimiter(1000, max_concurrent=80, max_concurrent_writes=40)
    assert (limiter.max_concurrent, limiter.max_concurrent_writes) == (50, 15)
    assert RateLimiter(1000, max_concurrent=4, max_concurrent_writes=2).max_concurrent_writes == 2


@pytest.mark.parametrize(
    ("method", "write"), [("GET", False), ("head", False), ("POST", True), ("PUT", True)]
)
def test_methods_count_as_reads_or_writes(method, write) -> None:
    assert is_write(method) is write


def test_write_slots_do_not_hold_back_reads() -> None:
    limiter = RateLimiter(1000, max_concurrent=2, max_concurrent_writes=1)
    writing = threading.Event()
    release = threading.Event()

    def write() -> None:
        with limiter.slot("POST"):
            writing.set()
            release.wait(5)

    writer = threading.Thread(target=write)
    writer.start()
    writing.wait(5)
    started = time.monotonic()
    with limiter.slot("GET"), limiter.slot("GET"):  # both read slots are free while the write is held
        pass
    assert time.monotonic() - started < 1
    release.set()
    writer.join()


def test_reads_and_writes_share_the_per_minute_budget() -> None:
    now = [0.0]
    limiter = RateLimiter(
        2, 5, window_seconds=60.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    with limiter.slot("GET"):
        pass
    with limiter.slot("POST"):
        pass
    with limiter.slot("PUT"):  # the third request of the minute waits for the window
        pass
    assert now[0] == pytest.approx(60.0)


# -- settings --------------------------------------------------------------------------------------
def test_shared_properties_are_the_connection_settings_of_both_plugins() -> None:
    names = [p.name for p in (*AUTH_PROPERTIES, *CONNECTION_PROPERTIES)]
    assert names == [
        "access_token",
        "client_id",
        "client_secret",
        "refresh_token",
        "redirect_uri",
        "oauth_token_url",
        "api_url",
        "requests_per_minute",
        "max_concurrent_requests",
        "request_timeout",
        "page_size",
        "max_retries",
        "backoff_base_seconds",
        "backoff_max_seconds",
        "max_retry_after_seconds",
        "http_transport",
    ]
    tap_settings = TapAsana.config_jsonschema["properties"]
    shared = th.PropertiesList(*AUTH_PROPERTIES, *CONNECTION_PROPERTIES).to_dict()["properties"]
    assert {name: tap_settings[name] for name in shared} == shared


def test_settings_defaults_match_the_schema_defaults() -> None:
    schema = th.PropertiesList(*CONNECTION_PROPERTIES).to_dict()["properties"]
    defaults = ClientSettings.from_config({})
    for name, prop in schema.items():
        assert getattr(defaults, name) == prop["default"], name


def test_settings_read_the_values_given() -> None:
    settings = ClientSettings.from_config(
        {"api_url": "http://x/api/1.0/", "max_retries": 1, "backoff_base_seconds": 0.5, "page_size": 7}
    )
    assert settings.api_url == "http://x/api/1.0"
    assert (settings.max_retries, settings.backoff_base_seconds, settings.page_size) == (1, 0.5, 7)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("requests_per_minute", 0),
        ("requests_per_minute", -5),
        ("max_concurrent_requests", 0),
        ("request_timeout", 0),
        ("request_timeout", -1),
        ("backoff_base_seconds", 0),
        ("backoff_base_seconds", -1.5),
        ("backoff_max_seconds", 0),
        ("page_size", 0),
        ("page_size", 101),
        ("max_retries", 0),  # was "retry forever"
        ("max_retries", -1),
        ("max_retry_after_seconds", -1),
        ("http_transport", "httpx"),
    ],
)
def test_out_of_range_settings_are_refused_by_the_schema(setting: str, value: float) -> None:
    """Never replaced by a default: the SDK validates the config against this schema before any stream."""
    schema = th.PropertiesList(*CONNECTION_PROPERTIES).to_dict()
    errors = list(jsonschema.Draft7Validator(schema).iter_errors({setting: value}))
    assert errors and all(list(e.path) == [setting] for e in errors)


def test_a_429_burst_has_its_own_budget_and_a_retry_after_ceiling() -> None:
    calls: list[int] = []
    answers = [503, 503, *[429] * 20, 200]

    def attempt() -> str:
        status = answers[len(calls)]
        calls.append(status)
        if status != 200:
            raise api_error(status, {"Retry-After": "0"} if status == 429 else {})
        return "ok"

    def never(_: object) -> None:
        raise AssertionError("gave up")

    send = retrying(
        attempt,
        waits=lambda: wait_generator(0.0001, 0.0002),
        max_tries=3,  # two 5xx leave one try: twenty 429s must not use it up
        max_retry_after=60,
        on_backoff=lambda details: None,
        on_giveup=never,
    )
    assert send() == "ok" and len(calls) == 23

    reasons: list[str] = []

    def too_long() -> str:
        raise api_error(429, {"Retry-After": "100000"})

    send = retrying(
        too_long,
        waits=lambda: wait_generator(0.0001, 0.0002),
        max_tries=3,
        max_retry_after=300,
        on_backoff=lambda details: None,
        on_giveup=lambda details: reasons.append(details["reason"]),
    )
    with pytest.raises(RetriableAPIError):
        send()
    assert reasons and "100000 s" in reasons[0] and "max_retry_after_seconds" in reasons[0]


# -- pagination and timestamps ---------------------------------------------------------------------
def test_page_limit_and_next_offset() -> None:
    assert [page_limit(n) for n in (None, 0, 8, 500)] == [100, 100, 8, 100]
    assert next_offset({"next_page": {"offset": "abc"}}) == "abc"
    assert next_offset({"next_page": None}) is None
    assert next_offset({}) is None


def test_timestamps_round_trip_in_asanas_format() -> None:
    parsed = parse_timestamp("2024-01-05T10:00:00.123Z")
    assert parsed == datetime(2024, 1, 5, 10, 0, 0, 123000, tzinfo=timezone.utc)
    assert format_timestamp(parsed) == "2024-01-05T10:00:00.123Z"
    assert parse_timestamp("2024-01-05T10:00:00") == datetime(2024, 1, 5, 10, tzinfo=timezone.utc)
    assert format_timestamp(datetime(2024, 1, 5, 12, tzinfo=timezone(timedelta(hours=2)))) == (
        "2024-01-05T10:00:00.000Z"
    )
    assert parse_timestamp(None) is None and parse_timestamp("") is None
