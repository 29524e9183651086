"""How Asana answers go wrong, as exceptions; and error text that never carries a secret or a body.

The API errors derive from the Singer SDK's `FatalAPIError` / `RetriableAPIError`, so the tap's SDK
streams and the client's own retry loop treat them alike.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TypeVar
from urllib.parse import urlparse

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

#: Longest piece of Asana's own error message quoted in ours.
MAX_MESSAGE_CHARS = 200

_Error = TypeVar("_Error", bound=BaseException)


class AsanaAuthError(Exception):
    """Credentials were refused or are unusable. The message names the setting to fix, never a secret."""


class InvalidRequestError(FatalAPIError):
    """400: Asana rejected the request (a missing or invalid field or parameter)."""


class ExpiredOffsetError(InvalidRequestError):
    """Asana refused an offset token that has expired (400 naming `offset`)."""


class AccessDeniedError(FatalAPIError):
    """402 (paid feature) or 403 (no access): this object or list cannot be read or written."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NotFoundError(FatalAPIError):
    """404: the object is gone (deleted) or invisible to this token."""


class SyncTokenExpiredError(FatalAPIError):
    """412 from the Events API: the sync token is missing or too old; the body carries a fresh one."""

    def __init__(self, message: str, sync_token: str | None) -> None:
        super().__init__(message)
        self.sync_token = sync_token


class MalformedResponseError(RetriableAPIError):
    """A success status whose body is not what Asana sends (HTML from a proxy, a cut-off body, no `data`, or
    a listing whose `data` is not a list): retried as a transient fault, never read as "no records"."""


class RetriesExhaustedError(FatalAPIError):
    """A request kept failing with a retriable error until the try limit."""


class UncertainWriteError(FatalAPIError):
    """A write that cannot safely be repeated failed in a way that may have applied it (5xx, timeout,
    dropped connection): look the object up before sending it again."""


def keepable(error: _Error) -> _Error:
    """`error`, fit to be kept and raised later (by another thread, on a later call).

    A traceback holds every frame the error crossed, and each frame its caller's, with all their locals
    (whole pages of records); an error kept next to one of those frames is a reference cycle that only
    the cyclic garbage collector frees, late. An API error's traceback says nothing the message does not,
    so it is dropped; any other error keeps its traceback, for the bug report.
    """
    if isinstance(error, (FatalAPIError, RetriableAPIError, requests.RequestException)):
        error.__traceback__ = None
    return error


def raise_for_status(response: requests.Response) -> None:
    """Raise the exception an Asana error answer stands for; return quietly for a success.

    401 is not handled here: what it means depends on the authenticator (see `auth.unauthorized_error`).
    """
    status = response.status_code
    if status < HTTPStatus.BAD_REQUEST:
        return
    summary = error_summary(response)
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise RetriableAPIError(summary, response)
    if status in (HTTPStatus.PAYMENT_REQUIRED, HTTPStatus.FORBIDDEN):
        raise AccessDeniedError(summary, status)
    if status == HTTPStatus.NOT_FOUND:
        raise NotFoundError(summary)
    if status == HTTPStatus.PRECONDITION_FAILED:
        raise SyncTokenExpiredError(summary, _sync_token(response))
    if status == HTTPStatus.BAD_REQUEST:
        if _names_sent_offset(response):
            raise ExpiredOffsetError(summary)
        raise InvalidRequestError(summary)
    raise FatalAPIError(summary)


def check_body(response: requests.Response, *, listing: bool = False) -> None:
    """Raise `MalformedResponseError` unless a success answer is a JSON object with `data` (a list when
    `listing`). An empty answer (a 204, or a write that returns nothing) passes."""
    if response.status_code >= HTTPStatus.BAD_REQUEST or not response.content:
        return
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "unknown type").split(";")[0]
        raise MalformedResponseError(
            f"{_where(response)} with a body that is not JSON ({kind})", response
        ) from None
    if not isinstance(body, dict) or "data" not in body:
        raise MalformedResponseError(f"{_where(response)} with no `data` in its body", response)
    if listing and not isinstance(body["data"], list):
        raise MalformedResponseError(f"{_where(response)}: `data` is not a list", response)


def _where(response: requests.Response) -> str:
    """Status, method and path of an answer (parsed only for an error: URLs carry kilobytes of query)."""
    method = getattr(response.request, "method", "") or ""
    return f"{response.status_code} for {method} {urlparse(response.url).path}"


def error_summary(response: requests.Response) -> str:
    """Status, reason, method, path and Asana's own error message; never a body, query string or header."""
    path = urlparse(response.url).path
    method = getattr(response.request, "method", None)
    summary = f"{response.status_code} {response.reason} for {method + ' ' if method else ''}{path}"
    if HTTPStatus.BAD_REQUEST <= response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR:
        message = asana_error_message(response)
        if message:
            summary += f": {message[:MAX_MESSAGE_CHARS]}"
    return summary


def asana_error_message(response: requests.Response) -> str:
    """The first `errors[].message` of an Asana error body, or "" when there is none."""
    try:
        errors = response.json().get("errors") or []
        return str(errors[0].get("message", "")) if errors else ""
    except (ValueError, AttributeError, IndexError):
        return ""


def _names_sent_offset(response: requests.Response) -> bool:
    """A 400 about the `offset` we sent: the token expired (Asana gives no dedicated status for it)."""
    sent_offset = "offset=" in (urlparse(response.url).query or "")
    return sent_offset and "offset" in asana_error_message(response).lower()


def _sync_token(response: requests.Response) -> str | None:
    try:
        token = response.json().get("sync")
    except (ValueError, AttributeError):
        return None
    return str(token) if token else None
