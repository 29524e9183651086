"""When to send a failed request again, and how long to wait first (with `backoff`).

429 waits exactly `Retry-After`; a 401 that refreshed an OAuth token retries at once; 5xx, timeouts and
dropped connections back off exponentially with full jitter. A request that may already have taken
effect (a POST) is repeated only when Asana is known not to have acted on it.

Each request has two budgets: `max_retries` tries for failures, and `RATE_LIMITED_TRIES` answers of 429
(Asana asking us to wait is not a failure, so a burst of them must not use up the tries a few 5xx left).
A `Retry-After` longer than `max_retry_after_seconds` ends the request at once rather than sleep for hours.
"""

from __future__ import annotations

import functools
import random
import threading
from collections.abc import Callable, Generator, Mapping
from http import HTTPStatus
from typing import Any, TypeVar

import backoff
import requests
import urllib3
from singer_sdk.exceptions import RetriableAPIError

from asana_client.errors import RetriesExhaustedError
from asana_client.transport import CURL_ERROR_PREFIX, NeverConnectedError

T = TypeVar("T")
Waits = Generator[float, BaseException | None, None]

RETRIABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
#: 429 answers one request may wait out (each for its `Retry-After`) before it gives up.
RATE_LIMITED_TRIES = 30
#: Methods Asana applies the same way however often they arrive.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Statuses with which Asana refused a request without acting on it.
REFUSED_UNREAD = frozenset({HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.UNAUTHORIZED})


def status_of(exc: BaseException | None) -> int | None:
    """The HTTP status behind an exception, if it carries a response."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds a 429 asks us to wait (`Retry-After`), or None for any other failure."""
    if status_of(exc) != HTTPStatus.TOO_MANY_REQUESTS:
        return None
    value = exc.response.headers.get("Retry-After")  # type: ignore[union-attr]
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def may_retry(exc: BaseException, *, idempotent: bool) -> bool:
    """Whether a failed attempt may be sent again.

    Always when Asana refused it unread (429, the 401 that refreshed a token) or it never left (connect
    timeout); after any other retriable failure only when repeating the request is harmless.
    """
    if not isinstance(exc, RETRIABLE_EXCEPTIONS):
        return False
    if status_of(exc) in REFUSED_UNREAD or isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    return idempotent


def wait_generator(base_seconds: float, max_seconds: float) -> Waits:
    """`backoff` wait generator: is sent each failure, yields the seconds to wait before the next try."""
    attempt = 0
    exc = yield  # type: ignore[misc]  # backoff primes the generator with an empty send
    while True:
        if (seconds := retry_after(exc)) is not None:
            exc = yield seconds
            continue
        if status_of(exc) == HTTPStatus.UNAUTHORIZED:
            exc = yield 0.0  # a token refresh, not congestion: retry at once
            continue
        delay = min(max_seconds, base_seconds * 2**attempt)
        attempt += 1
        exc = yield random.uniform(delay / 2, delay)


def never_connected(exc: BaseException | None) -> bool:
    """Whether the request failed before a connection was open (refused, unknown host, connect timeout),
    as opposed to one dropped after it was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | NeverConnectedError):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc is not None and exc.args else None
    return isinstance(exc, requests.exceptions.ConnectionError) and isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def describe(exc: BaseException | None) -> str:
    """A failure in a few words: an API error's summary, else only the exception's type (no URL)."""
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    if exc is None:
        return "unknown error"
    # The name `requests` gives the failure, whichever transport raised it (one message for users).
    public = next((t for t in type(exc).__mro__ if t.__module__ in ("requests.exceptions", "builtins")), None)
    return (public or type(exc)).__name__


def exhausted(who: str, details: Mapping[str, Any]) -> RetriesExhaustedError:
    """The error for a request that failed on every try (from `backoff`'s give-up details)."""
    exc = details.get("exception")
    if reason := details.get("reason"):
        return RetriesExhaustedError(f"{who}: {reason}")
    # A connection that never opens is most often a wrong `api_url` (or no network), not Asana.
    hint = "; check the `api_url` setting and the network" if never_connected(exc) else ""
    if isinstance(exc, requests.exceptions.SSLError) and str(exc).startswith(CURL_ERROR_PREFIX):
        # libcurl trusts the CA bundle, not what Python's TLS was told (a corporate root, truststore)
        hint = "; to verify TLS the way Python is set up to, set `http_transport: requests`"
    return RetriesExhaustedError(
        f"{who}: giving up after {details.get('tries')} tries; last error: {describe(exc)}{hint}"
    )


class TryBudget:
    """What one request may still spend: tries on failures, and 429s (with their `Retry-After` ceiling)."""

    def __init__(self, max_tries: int, max_retry_after: float) -> None:
        self.max_tries, self.max_retry_after = max_tries, max_retry_after
        self.failures = self.rate_limited = 0
        self.reason: str | None = None

    def spent(self, exc: BaseException) -> bool:
        """Count the failed attempt; True when the request must give up."""
        if status_of(exc) == HTTPStatus.TOO_MANY_REQUESTS:
            self.rate_limited += 1
            wait = retry_after(exc)
            if wait is not None and wait > self.max_retry_after:
                self.reason = (
                    f"Asana asked to wait {wait:.0f} s before the next request (Retry-After), longer than "
                    f"`max_retry_after_seconds` ({self.max_retry_after:.0f}); run again later, or raise "
                    "the setting"
                )
                return True
            if self.rate_limited >= RATE_LIMITED_TRIES:
                self.reason = f"giving up after {self.rate_limited} answers of 429 Too Many Requests in a row"
                return True
            return False
        self.failures += 1
        return self.failures >= self.max_tries


def retrying(
    func: Callable[..., T],
    *,
    waits: Callable[[], Waits],
    max_tries: int | Callable[[], int],
    max_retry_after: float | Callable[[], float],
    on_backoff: Callable[[Any], None],
    on_giveup: Callable[[Any], None],
    giveup: Callable[[Exception], bool] = lambda exc: False,
) -> Callable[..., T]:
    """`func` retried on `RETRIABLE_EXCEPTIONS` with `waits`, unjittered (the waits carry their own), each
    call within a fresh `TryBudget`."""
    local = threading.local()  # one budget per call in flight; calls on other threads have their own

    def out_of_budget(exc: Exception) -> bool:
        return giveup(exc) or local.budget.spent(exc)

    def give_up(details: Any) -> None:
        on_giveup({**details, "reason": local.budget.reason})

    decorated = backoff.on_exception(
        waits,
        RETRIABLE_EXCEPTIONS,
        max_tries=None,
        giveup=out_of_budget,
        on_backoff=on_backoff,
        on_giveup=give_up,
        jitter=None,
        logger=None,
    )(func)

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> T:
        tries = max_tries() if callable(max_tries) else max_tries
        ceiling = max_retry_after() if callable(max_retry_after) else max_retry_after
        local.budget = TryBudget(tries, ceiling)
        return decorated(*args, **kwargs)

    return call
