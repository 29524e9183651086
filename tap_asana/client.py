"""The one HTTP path of the tap: every stream's requests, on the SDK's RESTStream machinery.

Auth, the throttle, retry decisions, error mapping, pagination and timestamps come from `asana_client`,
which the target shares; this module wires them into the SDK's hooks and handles what is the tap's own:
partitions skipped on 402/403/404 and listings restarted after an expired offset.
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
from collections.abc import Callable, Generator, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

import requests
from singer_sdk import RESTStream
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.pagination import BaseAPIPaginator, SinglePagePaginator
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams.rest import HTTPRequest, PageContext

from asana_client.auth import Authenticator, unauthorized_error
from asana_client.errors import (
    AccessDeniedError,
    ExpiredOffsetError,
    InvalidRequestError,
    NotFoundError,
    check_body,
    error_summary,
    raise_for_status,
)
from asana_client.pagination import next_offset, page_limit
from asana_client.query import EncodedQuery, encode_query
from asana_client.retry import Waits, describe, exhausted, retrying, wait_generator
from asana_client.settings import ClientSettings
from asana_client.transport import AsanaSession
from tap_asana.conformance import Conformer
from tap_asana.logs import (
    QuietPartitionNotes,
    apply_metrics_log_level,
    quiet_repeated_partition_notes,
    repeated_partition_note,
)
from tap_asana.partition_state import IndexedStateManager
from tap_asana.stream_schemas import FIELDS_EVERY_STREAM_READS, FIELDS_THE_TAP_READS, selected_field_paths

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.streams._state import StreamStateManager

    from tap_asana.tap import TapAsana

# An expired offset restarts the partition's listing; this many restarts in a row that bring no new
# record mean the listing cannot finish (e.g. tokens expire faster than one page can be read).
MAX_OFFSET_RESTARTS = 3


@dataclass
class Route:
    """One list call: a path (with `{context_key}` placeholders) and its query parameters."""

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    paginated: bool = True
    records_jsonpath: str = "$.data[*]"
    #: Ask `opt_fields` for every schema property (off for calls that are not records of this stream).
    fields: bool = True


@dataclass(slots=True)
class AsanaRequest(HTTPRequest):
    """An `HTTPRequest` whose query string is built from earlier encodings, in its final form.

    The parameters are the ones the SDK's authenticator sent when it re-encoded every query (empty values
    dropped); commas stay literal, as `safe_query_chars` always asked: a query with no `%` is one urllib3
    checks in one pass rather than byte by byte in Python.
    """

    def encode_params(self) -> EncodedQuery:
        return encode_query(self.params, self.safe_query_chars, drop_blank=True)


class AsanaPaginator(BaseAPIPaginator[str | None]):
    """Follows `next_page.offset`; `next_page` is null on the last page."""

    def __init__(self) -> None:
        super().__init__(None)

    def get_next(self, response: requests.Response) -> str | None:
        return next_offset(response.json())


class AsanaStream(RESTStream[str]):
    """Base of every stream: one request path shared by all, tolerant of per-partition access errors."""

    records_jsonpath = "$.data[*]"
    #: Whether the list call takes `limit`/`offset` (a few Asana lists do not).
    paginated = True
    #: Whether the stream calls the API (`webhook_events` reads a local queue): a run of only such streams
    #: makes no request at all, not even the start-up check.
    reads_api = True
    #: "free", "premium" or "enterprise": the Asana plan the endpoint needs (documentation and logs).
    tier = "free"
    #: Extra query parameters; values may hold `{context_key}` placeholders.
    extra_params: Mapping[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Partitions of this stream that Asana refused (400, 402, 403) in this run: their listing ended with
        #: no error, but not because every row was read.
        self.partitions_refused = 0
        apply_metrics_log_level(self.metrics_logger, self.config)
        quiet_repeated_partition_notes(self.logger)

    # -- configuration ----------------------------------------------------------------------------
    @property
    def _LOG_REQUEST_METRICS(self) -> bool:  # type: ignore[override]
        """The SDK builds a metric per request only when its logger would write it (see `logs.py`)."""
        return self.metrics_logger.isEnabledFor(logging.INFO)

    @property
    def asana_tap(self) -> TapAsana:
        """The tap running this stream: its settings, authenticator, limiter and pool are shared."""
        return cast("TapAsana", self._tap)

    @property
    def client_settings(self) -> ClientSettings:
        return self.asana_tap.client_settings

    @property
    def state_manager(self) -> StreamStateManager:
        """The SDK's state manager, with partition states found by lookup (tap_asana/partition_state.py)."""
        if self._state_manager is None:
            self._state_manager = IndexedStateManager(
                tap_name=self.tap_name,
                stream_name=self.name,
                tap_state=self._tap_state,
                state_partitioning_keys=self.state_partitioning_keys,
                is_sorted=self.is_sorted,
                check_sorted=self.check_sorted,
            )
            self._state_manager._logger = QuietPartitionNotes(self._state_manager._logger)  # type: ignore[assignment]
        return self._state_manager

    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        """The SDK's `Stream.log`, with the repeated partition notes skipped before a record is made."""
        if not repeated_partition_note(self.logger, message):
            super().log(message, *args, level=level, **kwargs)

    @property
    def url_base(self) -> str:
        return self.client_settings.api_url

    @property
    def authenticator(self) -> Authenticator:
        return self.asana_tap.authenticator

    @property
    def requests_session(self) -> requests.Session:
        """One session per thread, shared by every stream of the tap (the read-ahead workers are threads;
        a session per stream and thread kept hundreds of connection pools alive)."""
        local = self.asana_tap.__dict__.setdefault("_thread_sessions", threading.local())
        session: requests.Session | None = getattr(local, "session", None)
        if session is None:
            session = local.session = AsanaSession(transport=self.client_settings.http_transport)
        return session

    @property
    def timeout(self) -> int:
        return self.client_settings.request_timeout

    @property
    def http_headers(self) -> dict:
        return {"Accept": "application/json", "User-Agent": self.user_agent}

    @property
    def opt_fields(self) -> list[str]:
        """The properties the catalog selects, as `opt_fields` paths, and those the tap reads itself
        (keys, replication key, ids for child streams, `FIELDS_THE_TAP_READS`); never the ids we add
        from the context. With the default catalog: every property of the schema."""
        spec = getattr(self, "spec", None)
        always = {*self.primary_keys, *FIELDS_EVERY_STREAM_READS, *FIELDS_THE_TAP_READS.get(self.name, ())}
        if self.replication_key:
            always.add(self.replication_key)
        always.update(path.split(".", 1)[0] for path in getattr(spec, "child_context", {}).values())
        # A stream walked only for its children writes no record: it asks everything, as before.
        chosen = self.mask.__getitem__ if self.selected else lambda breadcrumb: True
        return selected_field_paths(self.schema, chosen, always, leave_out=getattr(self, "context_keys", ()))

    @property
    def opt_fields_param(self) -> str:
        """`opt_fields` joined, built once per stream: the catalog and schema are set before any request."""
        joined: str | None = self.__dict__.get("_opt_fields_param")
        if joined is None:
            joined = self.__dict__["_opt_fields_param"] = ",".join(self.opt_fields)
        return joined

    def _generate_record_messages(self, record: dict) -> Generator[RecordMessage, None, None]:
        """The SDK's RECORD messages, made from a copy when the catalog deselects a property.

        The SDK removes deselected properties from the record in place, and the tap still reads records it
        has written (a task's `num_subtasks` decides whether its subtasks are walked): the catalog must
        change what is written, never what the tap knows.
        """
        deselects: bool | None = self.__dict__.get("_deselects")
        if deselects is None:
            mask = self.mask
            nested = any(len(crumb) > 2 and not chosen for crumb, chosen in mask.items())
            deselects = self.__dict__["_deselects"] = nested or not all(mask.values())
            self.__dict__["_deselects_nested"] = nested
        if deselects:
            record = copy.deepcopy(record) if self.__dict__["_deselects_nested"] else dict(record)
            pop_deselected_record_properties(record, self.schema, self.mask)
        # The SDK's own steps (singer-sdk 0.54 `Stream._generate_record_messages`), but with the schema
        # analysed once per stream for conformance (tap_asana/conformance.py) and no deselection walk when
        # nothing is deselected.
        schema = self.effective_schema
        if self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.RECURSIVE:
            conformer: Conformer | None = self.__dict__.get("_conformer")
            if conformer is None or conformer.schema is not schema:
                conformer = self.__dict__["_conformer"] = Conformer(schema)
            record = conformer.conform(record, self.name, self.logger)
        else:
            record = conform_record_data_types(
                stream_name=self.name,
                record=record,
                schema=schema,
                level=self.TYPE_CONFORMANCE_LEVEL,
                logger=self.logger,
            )
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=utc_now(),
                )

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
            params["limit"] = page_limit(self.client_settings.page_size)
            if token:
                params["offset"] = token
        fields = self.opt_fields_param if route.fields else ""
        if fields:
            params["opt_fields"] = fields
        for key, value in route.params.items():
            params[key] = value.format_map(values) if isinstance(value, str) else value
        path = route.path.format_map(values)
        return AsanaRequest(
            url=f"{self.url_base}{path}",
            method="GET",
            params=params,
            headers=self.http_headers,
            safe_query_chars=",",
        )

    def build_prepared_request(self, *args: Any, **kwargs: Any) -> requests.PreparedRequest:
        """The SDK's request, prepared without the per-request work that cannot change it.

        `requests` re-parses and re-quotes the whole URL and merges the session's settings for every
        request; for a GET under `url_base` with an `EncodedQuery` that changes nothing but costs a pass
        over 3-4 kB and a dozen merges. `AsanaSession.prepare_get` prepares the same request (auth,
        headers, cookies, hooks) from a template and appends the query: the same bytes reach the API.
        """
        params, url = kwargs.get("params"), kwargs.get("url")
        if args or not isinstance(params, EncodedQuery) or not isinstance(url, str) or set("?#") & set(url):
            return super().build_prepared_request(*args, **kwargs)
        session = self.requests_session
        if (
            kwargs.keys() <= {"method", "url", "params", "headers"}
            and str(kwargs.get("method", "")).upper() == "GET"
            and isinstance(session, AsanaSession)
            and url.startswith(self.url_base)
        ):
            headers = dict(kwargs.get("headers") or {})
            headers.setdefault("User-Agent", self.user_agent)
            session.auth = self.authenticator
            return session.prepare_get(self.url_base, url[len(self.url_base) :], params, headers)
        # Any other request: prepared by the SDK without the query, which is final and appended as it is.
        prepared = super().build_prepared_request(**{**kwargs, "params": None})
        if params:
            prepared.url = f"{prepared.url}?{params}"
        return prepared

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

        402/403 end the partition (counted for the run's plan summary); an expired offset restarts it and
        skips the records already yielded, so the partition neither loses nor repeats records.
        """
        send = self._sender(route)
        yielded: set[str] = set()
        restarts = yielded_at_restart = 0
        paginator: BaseAPIPaginator = AsanaPaginator() if route.paginated else SinglePagePaginator()
        with self.get_http_request_counter() as counter:
            counter.with_context(context)
            while not paginator.finished:
                token = paginator.current_value
                try:
                    prepared, response = self._answer(
                        self.page_key(route, context, token),
                        functools.partial(self._send, send, route, context, token),
                    )
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
                except (NotFoundError, InvalidRequestError) as exc:
                    if context is None:
                        raise
                    # 404: the parent was deleted (or hidden) between being listed and being read. 400: Asana
                    # will not list this one object's children that way. Either way only this partition is
                    # skipped, loudly; the other partitions still arrive.
                    gone = isinstance(exc, NotFoundError)
                    if not gone:
                        self.partitions_refused += 1
                    reason = "the parent no longer exists (404)" if gone else str(exc)
                    self.logger.warning(
                        "Skipping stream '%s' %s: %s; the run goes on",
                        self.name,
                        self._partition_label(context),
                        reason,
                    )
                    return
                except AccessDeniedError as exc:
                    self.partitions_refused += 1
                    # Not a warning per partition: counted for one summary at the end (plan_summary.py).
                    self.asana_tap.plan_gates.refused(
                        self.name,
                        tier=self.tier,
                        status=exc.status,
                        partition=context,
                        logger=self.logger,
                        selected=self.selected,
                    )
                    return
                counter.increment()
                self.asana_tap.plan_gates.read(self.name)
                self.update_sync_costs(prepared, response, context)
                body = response.json()
                records = list(extract_jsonpath(route.records_jsonpath, body))
                if not records and not paginator.continue_if_empty(response):
                    break
                if route.paginated and (following := next_offset(body)):
                    # The next page is needed after this page's records and all their children.
                    self.read_ahead_push([self.page_job(route, context, following)])
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
        prepared, response = self._answer(self.json_key(route, context), self.json_job(route, context)[1])
        self.update_sync_costs(prepared, response, context)
        body: dict[str, Any] = response.json()
        return body

    # -- read-ahead (tap_asana/read_ahead.py) -----------------------------------------------------
    def page_key(self, route: Route, context: Context | None, token: str | None) -> Hashable:
        """What identifies one page of one listing, for read-ahead."""
        return (self.name, "page", _route_key(route), _context_key(context), token)

    def json_key(self, route: Route, context: Context | None) -> Hashable:
        return (self.name, "json", _route_key(route), _context_key(context))

    def page_job(self, route: Route, context: Context | None, token: str | None) -> tuple[Hashable, Any]:
        """(key, thunk) that reads one page of `route` in a worker."""
        send = self._sender(route)
        return self.page_key(route, context, token), lambda: self._send(send, route, context, token)

    def json_job(self, route: Route, context: Context | None) -> tuple[Hashable, Any]:
        """(key, thunk) that reads one object (or one unpaginated answer) in a worker."""
        send = self.request_decorator(self._request)
        return self.json_key(route, context), lambda: self._send(send, route, context, None)

    def partition_jobs(
        self, context: Context | None, parent: Record | None = None
    ) -> list[tuple[Hashable, Any]]:
        """The first requests of syncing this stream for `context` (the child context of `parent`)."""
        if not self.reads_api:
            return []
        return [self.page_job(self.default_route(context), context, None)]

    def read_ahead_push(self, jobs: list[tuple[Hashable, Any]]) -> list[Hashable]:
        """Queue requests for the workers, when read-ahead is on; the keys queued."""
        read_ahead = self.asana_tap.read_ahead
        return read_ahead.push(jobs) if read_ahead is not None and jobs else []

    def prefetch_children(
        self,
        records: list[Record],
        context: Context | None,
        then: Callable[[Record], list[tuple[Hashable, Any]]] | None = None,
    ) -> list[Hashable]:
        """Queue the first requests of every child partition of `records` (and, per record, the jobs
        `then` gives), in the order the SDK syncs them; the keys queued, to discard what the SDK did not
        take (e.g. the children of a record post_process dropped)."""
        if self.asana_tap.read_ahead is None:
            return []
        children = [c for c in self.child_streams if c.selected or c.has_selected_descendents]
        jobs: list[tuple[Hashable, Any]] = []
        for record in records:
            child_context = self.get_child_context(record, context) if children else None
            for child in children:
                if isinstance(child, AsanaStream) and child_context is not None:
                    jobs += child.partition_jobs(child.preprocess_context(dict(child_context)), record)
            if then is not None:
                jobs += then(record)
        return self.read_ahead_push(jobs)

    def _sender(self, route: Route) -> Callable:
        return self.request_decorator(self._request_listing if route.paginated else self._request)

    def _send(
        self, send: Callable, route: Route, context: Context | None, token: str | None
    ) -> tuple[requests.PreparedRequest, requests.Response]:
        http_request = self.route_request(route, context, token)
        prepared = self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
        )
        return prepared, send(prepared, context)

    def _answer(
        self, key: Hashable, thunk: Callable[[], tuple[requests.PreparedRequest, requests.Response]]
    ) -> tuple[requests.PreparedRequest, requests.Response]:
        """The answer a worker already has (or is getting) for `key`, else the request sent now."""
        read_ahead = self.asana_tap.read_ahead
        if read_ahead is not None:
            found, answer = read_ahead.take(key)
            if found:
                return cast("tuple[requests.PreparedRequest, requests.Response]", answer)
        return thunk()

    def _request_listing(self, prepared_request: requests.PreparedRequest, context: Context | None) -> Any:
        """A page of a listing: `data` that is not a list is a transient fault, not an empty page."""
        response = self._request(prepared_request, context)
        check_body(response, listing=True)
        return response

    def _partition_label(self, context: Context | None) -> str:
        if not context:
            return "(no partition)"
        return "partition " + ", ".join(f"{k}={v}" for k, v in sorted(context.items()))

    # -- responses and errors ---------------------------------------------------------------------
    def validate_response(self, response: requests.Response) -> None:
        """Map an error answer to its exception (`asana_client.errors`); a 401 may refresh OAuth once."""
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            self._consecutive_unauthorized = getattr(self, "_consecutive_unauthorized", 0) + 1
            raise unauthorized_error(self.authenticator, response, consecutive=self._consecutive_unauthorized)
        if response.status_code < HTTPStatus.BAD_REQUEST:
            self._consecutive_unauthorized = 0
        raise_for_status(response)
        check_body(response)

    def response_error_message(self, response: requests.Response) -> str:
        return error_summary(response)

    # -- retries ----------------------------------------------------------------------------------
    def request_decorator(self, func: Callable) -> Callable:
        """Every attempt, retries included, waits for the tap's shared rate limiter.

        Built once per function: the wrapper keeps no state between calls (each call's try budget is
        its own, per thread), and rebuilding it cost more than some requests.
        """
        built: dict[Callable, Callable] = self.__dict__.setdefault("_decorated", {})
        decorated = built.get(func)
        if decorated is None:
            decorated = built[func] = self._retrying(func)
        return decorated

    def _retrying(self, func: Callable) -> Callable:
        limiter = self.asana_tap.rate_limiter

        @functools.wraps(func)
        def throttled(*args: Any, **kwargs: Any) -> Any:
            with limiter.slot():
                return func(*args, **kwargs)

        return retrying(
            throttled,
            waits=self.backoff_wait_generator,
            max_tries=self.backoff_max_tries,
            max_retry_after=lambda: self.client_settings.max_retry_after_seconds,
            on_backoff=self.backoff_handler,
            on_giveup=self._give_up,
        )

    def backoff_wait_generator(self) -> Waits:
        """`Retry-After` exactly for a 429; exponential backoff with full jitter for everything else."""
        settings = self.client_settings
        return wait_generator(settings.backoff_base_seconds, settings.backoff_max_seconds)

    def backoff_max_tries(self) -> int:
        return self.client_settings.max_retries

    def backoff_handler(self, details: Mapping[str, Any]) -> None:
        self.logger.warning(
            "Stream '%s': %s; retry %d in %.2fs",
            self.name,
            describe(details.get("exception")),
            details.get("tries", 0),
            details.get("wait") or 0.0,
        )

    def _give_up(self, details: Mapping[str, Any]) -> None:
        raise exhausted(f"Stream '{self.name}'", details) from details.get("exception")


def _route_key(route: Route) -> Hashable:
    return (route.path, tuple(sorted(route.params.items())), route.paginated, route.fields)


def _context_key(context: Context | None) -> Hashable:
    return tuple(sorted((context or {}).items()))
