"""The one HTTP path of the tap: auth, throttle, retries, pagination and error mapping for every stream."""

from __future__ import annotations

import functools
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import backoff
import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.pagination import BaseAPIPaginator, JSONPathPaginator, SinglePagePaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_asana.auth import (
    DEFAULT_API_URL,
    OAUTH_SETTINGS_HINT,
    PAT_SETTINGS_HINT,
    AsanaAuthError,
    AsanaOAuthAuthenticator,
)
from tap_asana.errors import (
    AccessDeniedError,
    ExpiredOffsetError,
    NotFoundError,
    RetriesExhaustedError,
    SyncTokenExpiredError,
    asana_error_message,
    error_summary,
)
from tap_asana.stream_schemas import opt_field_paths

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

PAGE_SIZE = 100
# An expired offset restarts the partition's listing; this many restarts in a row that bring no new
# record mean the listing cannot finish (e.g. tokens expire faster than one page can be read).
MAX_OFFSET_RESTARTS = 3
RETRIABLE_EXCEPTIONS = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass
class Route:
    """One list call: a path (with `{context_key}` placeholders) and its query parameters."""

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    paginated: bool = True
    records_jsonpath: str = "$.data[*]"
    #: Ask `opt_fields` for every schema property (off for calls that are not records of this stream).
    fields: bool = True


def parse_timestamp(value: str | None) -> datetime | None:
    """Asana's `2024-01-05T10:00:00.000Z`, as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_timestamp(value: datetime) -> str:
    """An aware datetime in Asana's format (UTC, milliseconds, `Z`)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AsanaPaginator(JSONPathPaginator):
    """Follows `next_page.offset`; `next_page` is null (no match) on the last page."""

    def __init__(self) -> None:
        super().__init__("$.next_page.offset")


class AsanaStream(RESTStream[str]):
    """Base of every stream: one request path shared by all, tolerant of per-partition access errors."""

    records_jsonpath = "$.data[*]"
    #: Whether the list call takes `limit`/`offset` (a few Asana lists do not).
    paginated = True
    #: "free", "premium" or "enterprise": the Asana plan the endpoint needs (documentation and logs).
    tier = "free"
    #: Extra query parameters; values may hold `{context_key}` placeholders.
    extra_params: Mapping[str, str] = {}

    # -- configuration ----------------------------------------------------------------------------
    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or DEFAULT_API_URL).rstrip("/")

    @property
    def authenticator(self) -> Any:
        return self._tap.authenticator

    @property
    def requests_session(self) -> requests.Session:
        """One session per thread: task children are fetched from a thread pool (see `TasksStream`)."""
        local = self.__dict__.setdefault("_thread_local", threading.local())
        if getattr(local, "session", None) is None:
            local.session = requests.Session()
        return local.session

    @property
    def timeout(self) -> int:
        return int(self.config.get("request_timeout") or 300)

    @property
    def http_headers(self) -> dict:
        return {"Accept": "application/json", "User-Agent": self.user_agent}

    @property
    def opt_fields(self) -> list[str]:
        """Every property of the schema, as `opt_fields` paths, except the ids we add from the context."""
        added = set(getattr(self, "context_keys", ()))
        return [p for p in opt_field_paths(self.schema) if p.split(".", 1)[0] not in added]

    def _write_schema_message(self) -> None:
        """Send the SCHEMA once per run.

        singer-sdk 0.54.9 sends it again for every parent context: once per task for `stories`, which
        for 24k tasks is ~330 MB of identical 13 kB messages. The schema cannot change within a run.
        """
        if getattr(self, "_schema_sent", False):
            return
        self._schema_sent = True
        super()._write_schema_message()

    # -- requests ---------------------------------------------------------------------------------
    def default_route(self, context: Context | None) -> Route:
        return Route(
            self.path or "",
            self.extra_params,
            paginated=self.paginated,
            records_jsonpath=self.records_jsonpath,
        )

    def route_request(self, route: Route, context: Context | None, token: str | None) -> HTTPRequest:
        values = {**self.config, **(context or {})}
        params: dict[str, Any] = {}
        if route.paginated:
            params["limit"] = min(PAGE_SIZE, max(1, int(self.config.get("page_size") or PAGE_SIZE)))
            if token:
                params["offset"] = token
        fields = self.opt_fields if route.fields else []
        if fields:
            params["opt_fields"] = ",".join(fields)
        for key, value in route.params.items():
            params[key] = value.format_map(values) if isinstance(value, str) else value
        path = route.path.format_map(values)
        return HTTPRequest(
            url=f"{self.url_base}{path}",
            method="GET",
            params=params,
            headers=self.http_headers,
            safe_query_chars=",",
        )

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        return self.route_request(
            self.default_route(page.stream_context), page.stream_context, page.next_page_token
        )

    def get_new_paginator(self) -> BaseAPIPaginator:
        return AsanaPaginator() if self.paginated else SinglePagePaginator()

    def request_records(self, context: Context | None) -> Iterator[dict]:
        yield from self.fetch(self.default_route(context), context)

    def fetch(self, route: Route, context: Context | None) -> Iterator[dict]:
        """All records of one list call, across pages."""
        for page in self.fetch_pages(route, context):
            yield from page

    def fetch_pages(self, route: Route, context: Context | None) -> Iterator[list[dict]]:
        """The records of one list call, page by page.

        402/403 end the partition with a warning; an expired offset restarts it and skips the records
        already yielded, so the partition neither loses nor repeats records.
        """
        send = self.request_decorator(self._request)
        yielded: set[str] = set()
        restarts = yielded_at_restart = 0
        paginator: BaseAPIPaginator = AsanaPaginator() if route.paginated else SinglePagePaginator()
        with self.get_http_request_counter() as counter:
            counter.with_context(context)
            while not paginator.finished:
                http_request = self.route_request(route, context, paginator.current_value)
                prepared = self.build_prepared_request(
                    method=http_request.method,
                    url=http_request.url,
                    params=http_request.encode_params(),
                    headers=http_request.headers,
                )
                try:
                    response = send(prepared, context)
                except ExpiredOffsetError:
                    restarts = restarts + 1 if len(yielded) == yielded_at_restart else 1
                    yielded_at_restart = len(yielded)
                    if restarts > MAX_OFFSET_RESTARTS:
                        raise
                    self.logger.warning(
                        "Stream '%s' %s: offset token expired after %d page(s); restarting the listing "
                        "and skipping the %d record(s) already emitted",
                        self.name,
                        self._partition_label(context),
                        paginator.count,
                        len(yielded),
                    )
                    paginator = AsanaPaginator()
                    continue
                except NotFoundError:
                    if context is None:
                        raise
                    # The parent was deleted (or hidden) between being listed and being read.
                    self.logger.warning(
                        "Skipping stream '%s' %s: the parent no longer exists (404); the run goes on",
                        self.name,
                        self._partition_label(context),
                    )
                    return
                except AccessDeniedError as exc:
                    self.logger.warning(
                        "Skipping stream '%s' %s: Asana answered %s (needs the %s tier, or no access); "
                        "the run goes on",
                        self.name,
                        self._partition_label(context),
                        exc.status,
                        self.tier,
                    )
                    return
                counter.increment()
                self.update_sync_costs(prepared, response, context)
                records = list(extract_jsonpath(route.records_jsonpath, response.json()))
                if not records and not paginator.continue_if_empty(response):
                    break
                page = []
                for record in records:
                    gid = record.get("gid") if isinstance(record, dict) else None
                    if gid is not None:
                        if gid in yielded:
                            continue
                        yielded.add(gid)
                    page.append(record)
                yield page
                paginator.advance(response)

    def request_json(self, route: Route, context: Context | None) -> dict[str, Any]:
        """One GET through the shared path (throttle, retries, error mapping); the decoded body."""
        http_request = self.route_request(route, context, None)
        prepared = self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
        )
        response = self.request_decorator(self._request)(prepared, context)
        self.update_sync_costs(prepared, response, context)
        return response.json()

    def _partition_label(self, context: Context | None) -> str:
        if not context:
            return "(no partition)"
        return "partition " + ", ".join(f"{k}={v}" for k, v in sorted(context.items()))

    # -- responses and errors ---------------------------------------------------------------------
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status < HTTPStatus.BAD_REQUEST:
            self._consecutive_unauthorized = 0
            return
        if status == HTTPStatus.UNAUTHORIZED:
            self._handle_unauthorized(response)
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(error_summary(response), response)
        summary = error_summary(response)
        if status in (HTTPStatus.PAYMENT_REQUIRED, HTTPStatus.FORBIDDEN):
            raise AccessDeniedError(summary, status)
        if status == HTTPStatus.NOT_FOUND:
            raise NotFoundError(summary)
        if status == HTTPStatus.PRECONDITION_FAILED:
            try:
                token = response.json().get("sync")
            except ValueError:
                token = None
            raise SyncTokenExpiredError(summary, token)
        if (
            status == HTTPStatus.BAD_REQUEST
            and "offset=" in (urlparse(response.url).query or "")
            and "offset" in asana_error_message(response).lower()
        ):
            raise ExpiredOffsetError(summary)
        raise FatalAPIError(summary)

    def _handle_unauthorized(self, response: requests.Response) -> None:
        """A 401 with OAuth: refresh once and retry; otherwise (or again) fail naming the setting."""
        auth = self.authenticator
        self._consecutive_unauthorized = getattr(self, "_consecutive_unauthorized", 0) + 1
        if isinstance(auth, AsanaOAuthAuthenticator) and self._consecutive_unauthorized == 1:
            auth.invalidate()
            raise RetriableAPIError(error_summary(response), response)
        hint = OAUTH_SETTINGS_HINT if isinstance(auth, AsanaOAuthAuthenticator) else PAT_SETTINGS_HINT
        raise AsanaAuthError(f"Asana refused the credentials (HTTP 401 Not Authorized); {hint}")

    def response_error_message(self, response: requests.Response) -> str:
        return error_summary(response)

    # -- retries ----------------------------------------------------------------------------------
    def request_decorator(self, func: Callable) -> Callable:
        """Every attempt, retries included, waits for the tap's shared rate limiter."""
        limiter = self._tap.rate_limiter

        @functools.wraps(func)
        def throttled(*args: Any, **kwargs: Any) -> Any:
            with limiter.slot():
                return func(*args, **kwargs)

        return backoff.on_exception(
            self.backoff_wait_generator,
            RETRIABLE_EXCEPTIONS,
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            on_giveup=self._give_up,
            jitter=None,
            logger=None,
        )(throttled)

    def backoff_wait_generator(self) -> Iterator[float]:
        """`Retry-After` exactly for a 429; exponential backoff with full jitter for everything else."""
        base = float(self.config.get("backoff_base_seconds", 1.0))
        cap = float(self.config.get("backoff_max_seconds", 60.0))

        def waits() -> Iterator[float]:
            attempt = 0
            exc = yield  # type: ignore[misc]
            while True:
                retry_after = _retry_after(exc)
                if retry_after is not None:
                    exc = yield retry_after
                    continue
                if _status(exc) == HTTPStatus.UNAUTHORIZED:
                    exc = yield 0.0  # token refresh, not congestion: retry at once
                    continue
                delay = min(cap, base * 2**attempt)
                attempt += 1
                exc = yield random.uniform(delay / 2, delay)

        return waits()

    def backoff_max_tries(self) -> int:
        return int(self.config.get("max_retries", 8))

    def backoff_handler(self, details: Mapping[str, Any]) -> None:
        exc = details.get("exception")
        self.logger.warning(
            "Stream '%s': %s; retry %d in %.2fs",
            self.name,
            _describe(exc),
            details.get("tries", 0),
            details.get("wait") or 0.0,
        )

    def _give_up(self, details: Mapping[str, Any]) -> None:
        exc = details.get("exception")
        raise RetriesExhaustedError(
            f"Stream '{self.name}': giving up after {details.get('tries')} tries; "
            f"last error: {_describe(exc)}"
        ) from exc


def _status(exc: BaseException | None) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _retry_after(exc: BaseException | None) -> float | None:
    if _status(exc) != HTTPStatus.TOO_MANY_REQUESTS:
        return None
    value = exc.response.headers.get("Retry-After")  # type: ignore[union-attr]
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    return type(exc).__name__ if exc is not None else "unknown error"
