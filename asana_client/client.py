"""`AsanaClient`: synchronous calls to Asana's API, each through auth, throttle, retries and error mapping."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from http import HTTPStatus
from types import TracebackType
from typing import Any

import requests
from singer_sdk.exceptions import FatalAPIError

from asana_client.auth import Authenticator, build_authenticator, unauthorized_error
from asana_client.errors import UncertainWriteError, check_body, raise_for_status
from asana_client.pagination import next_offset, page_limit
from asana_client.retry import IDEMPOTENT_METHODS, describe, exhausted, may_retry, retrying, wait_generator
from asana_client.settings import ClientSettings
from asana_client.throttle import RateLimiter
from asana_client.transport import AsanaSession

USER_AGENT = "asana-client (asana-singer)"


class AsanaClient:
    """One token's access to Asana; share one instance between threads (each gets its own session).

    `request` returns the decoded body (`{"data": ...}`); errors are the exceptions of `errors`.
    """

    def __init__(
        self,
        settings: ClientSettings,
        authenticator: Authenticator,
        *,
        limiter: RateLimiter | None = None,
        session_factory: Callable[[], requests.Session] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.settings = settings
        self.authenticator = authenticator
        self.limiter = limiter or RateLimiter(settings.requests_per_minute, settings.max_concurrent_requests)
        self.logger = logger or logging.getLogger("asana_client")
        self._session_factory = session_factory or partial(AsanaSession, transport=settings.http_transport)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> AsanaClient:
        """A client for a tap or target config (the settings of `settings.py`)."""
        return cls(ClientSettings.from_config(config), build_authenticator(config), **kwargs)

    # -- calls ------------------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        json: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        return self.request("POST", path, params=params, json=json, files=files, idempotent=idempotent)

    def put(self, path: str, json: Any = None, *, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("PUT", path, params=params, json=json)

    def delete(self, path: str, *, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("DELETE", path, params=params)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every record of a list call, following `next_page.offset` with `limit` = `page_size`."""
        query: dict[str, Any] = {**(params or {}), "limit": page_limit(self.settings.page_size)}
        seen: set[str] = set()
        while True:
            body = self.request("GET", path, params=query, listing=True)
            records = body["data"]
            yield from records
            offset = next_offset(body)
            # A list meant to be polled (the audit log) always offers a next page: stop at an empty one.
            if offset is None or not records:
                return
            if offset in seen:
                raise FatalAPIError(f"GET {path}: Asana returned the same next_page offset twice")
            seen.add(offset)
            query["offset"] = offset

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        cost: int = 1,
        listing: bool = False,
    ) -> dict[str, Any]:
        """One call to `path` (under `api_url`), retried as `retry` allows; the decoded body.

        `idempotent` overrides the method's default (POST is not): set it for a POST that Asana
        applies once however often it arrives (e.g. `addFollowers`), so that it is retried on a 5xx.
        `cost`: the requests Asana counts for this call against the minute budget (the number of
        actions of a `POST /batch`). `listing`: the answer's `data` must be a list (a page of a list call).
        """
        method = method.upper()
        where = f"{method} {path}"
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        # Prepared once: a multipart body is encoded once and sent as is on every try.
        prepared = self._session.prepare_request(
            requests.Request(
                method,
                self.settings.api_url + path,
                params=dict(params or {}),
                json=json,
                files=files,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            )
        )
        unauthorized = 0

        def attempt() -> requests.Response:
            nonlocal unauthorized
            authenticated = self.authenticator(prepared)  # every try: a refreshed token replaces the old one
            with self.limiter.slot(method, cost):
                response = self._session.send(authenticated, timeout=self.settings.request_timeout)
            if response.status_code == HTTPStatus.UNAUTHORIZED:
                unauthorized += 1
                raise unauthorized_error(self.authenticator, response, consecutive=unauthorized)
            unauthorized = 0
            raise_for_status(response)
            check_body(response, listing=listing)
            return response

        def give_up(details: Mapping[str, Any]) -> None:
            exc = details.get("exception")
            if exc is not None and not may_retry(exc, idempotent=safe):
                raise UncertainWriteError(
                    f"{where}: {describe(exc)}; not sent again, since Asana may have applied it"
                ) from exc
            raise exhausted(where, details) from exc

        settings = self.settings
        send = retrying(
            attempt,
            waits=partial(wait_generator, settings.backoff_base_seconds, settings.backoff_max_seconds),
            max_tries=settings.max_retries,
            max_retry_after=settings.max_retry_after_seconds,
            giveup=lambda exc: not may_retry(exc, idempotent=safe),
            on_backoff=partial(self._log_retry, where),
            on_giveup=give_up,
        )
        return _decode(send(), where)

    # -- plumbing ---------------------------------------------------------------------------------
    @property
    def _session(self) -> requests.Session:
        """This thread's session (a `requests.Session` is not safe to share between threads)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._session_factory()
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _log_retry(self, where: str, details: Mapping[str, Any]) -> None:
        self.logger.warning(
            "%s: %s; retry %d in %.2fs",
            where,
            describe(details.get("exception")),
            details.get("tries", 0),
            details.get("wait") or 0.0,
        )

    def close(self) -> None:
        """Close every thread's session."""
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def __enter__(self) -> AsanaClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _decode(response: requests.Response, where: str) -> dict[str, Any]:
    """The JSON body as a dict (`{}` for an empty answer)."""
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise FatalAPIError(f"{where}: {response.status_code} with a body that is not JSON") from None
    return body if isinstance(body, dict) else {"data": body}
