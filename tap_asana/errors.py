"""How Asana answers go wrong, as exceptions; and error text that never carries a secret or a body."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlparse

import requests
from singer_sdk.exceptions import FatalAPIError


class ExpiredOffsetError(FatalAPIError):
    """Asana refused an offset token that has expired (400 naming `offset`)."""


class AccessDeniedError(FatalAPIError):
    """402 (paid feature) or 403 (no access): this partition of the stream cannot be read."""

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


class RetriesExhaustedError(FatalAPIError):
    """A request kept failing with a retriable error until the try limit."""


def error_summary(response: requests.Response) -> str:
    """Status, reason, path and Asana's own error message; never the body, query string or headers."""
    path = urlparse(response.url).path
    summary = f"{response.status_code} {response.reason} for GET {path}"
    if HTTPStatus.BAD_REQUEST <= response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR:
        message = asana_error_message(response)
        if message:
            summary += f": {message[:200]}"
    return summary


def asana_error_message(response: requests.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        return str(errors[0].get("message", "")) if errors else ""
    except (ValueError, AttributeError, IndexError):
        return ""
