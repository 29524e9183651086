"""The connection settings tap-asana and target-asana share: JSON Schema properties and a typed view.

A plugin builds its `config_jsonschema` from `AUTH_PROPERTIES` and `CONNECTION_PROPERTIES` (plus its
own), and the client reads the same keys through `ClientSettings.from_config`, with the same defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from singer_sdk import typing as th

from asana_client.pagination import MAX_PAGE_SIZE

DEFAULT_API_URL = "https://app.asana.com/api/1.0"
DEFAULT_REQUESTS_PER_MINUTE = 150
DEFAULT_MAX_CONCURRENT_REQUESTS = 10
DEFAULT_REQUEST_TIMEOUT = 60
DEFAULT_MAX_RETRIES = 8
DEFAULT_BACKOFF_BASE_SECONDS = 1.0
DEFAULT_BACKOFF_MAX_SECONDS = 60.0
DEFAULT_MAX_RETRY_AFTER_SECONDS = 300.0
#: How GETs go on the wire (`asana_client/curl_transport.py`); everything else always goes through urllib3.
HTTP_TRANSPORTS = ("curl", "requests")
DEFAULT_HTTP_TRANSPORT = "curl"

AUTH_PROPERTIES: tuple[th.Property, ...] = (
    th.Property(
        "access_token",
        th.StringType,
        secret=True,
        description="Personal Access Token (or service account token). Use this, or the OAuth settings.",
    ),
    th.Property("client_id", th.StringType, description="OAuth app client id (with a refresh token)."),
    th.Property("client_secret", th.StringType, secret=True, description="OAuth app client secret."),
    th.Property(
        "refresh_token",
        th.StringType,
        secret=True,
        description="OAuth refresh token; access tokens are refreshed before expiry and after a 401.",
    ),
    th.Property("redirect_uri", th.StringType, description="OAuth redirect URI, if the app requires it."),
    th.Property(
        "oauth_token_url",
        th.StringType,
        description="OAuth token endpoint. Default: `/-/oauth_token` on the host of `api_url`.",
    ),
)

CONNECTION_PROPERTIES: tuple[th.Property, ...] = (
    th.Property(
        "api_url",
        th.StringType,
        default=DEFAULT_API_URL,
        description="Base URL of the Asana API (the sandbox's URL for demos and tests).",
    ),
    th.Property(
        "requests_per_minute",
        th.IntegerType(minimum=1),
        default=DEFAULT_REQUESTS_PER_MINUTE,
        description="Client-side budget shared by all streams (Asana: 150/min free, 1500/min paid).",
    ),
    th.Property(
        "max_concurrent_requests",
        th.IntegerType(minimum=1),
        default=DEFAULT_MAX_CONCURRENT_REQUESTS,
        description="Requests in flight at once (Asana allows 50 concurrent reads per token).",
    ),
    th.Property(
        "request_timeout",
        th.IntegerType(minimum=1),
        default=DEFAULT_REQUEST_TIMEOUT,
        description="Seconds per HTTP request.",
    ),
    th.Property(
        "page_size",
        th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
        default=MAX_PAGE_SIZE,
        description="`limit` of each list call (Asana's maximum, 100, unless testing pagination).",
    ),
    th.Property(
        "max_retries",
        th.IntegerType(minimum=1),
        default=DEFAULT_MAX_RETRIES,
        description=(
            "Tries per request on 5xx, timeouts and dropped connections before failing (1: no retry). "
            "429s have a budget of their own (30 a request)."
        ),
    ),
    th.Property(
        "backoff_base_seconds",
        th.NumberType(exclusive_minimum=0),
        default=DEFAULT_BACKOFF_BASE_SECONDS,
        description="First wait of the exponential backoff (5xx, network errors); doubles per try.",
    ),
    th.Property(
        "backoff_max_seconds",
        th.NumberType(exclusive_minimum=0),
        default=DEFAULT_BACKOFF_MAX_SECONDS,
        description="Longest single backoff wait (429s wait exactly `Retry-After` instead).",
    ),
    th.Property(
        "max_retry_after_seconds",
        th.NumberType(minimum=0),
        default=DEFAULT_MAX_RETRY_AFTER_SECONDS,
        description=(
            "Longest `Retry-After` a 429 is waited out; a longer one ends the run with a message "
            "(Asana's are seconds to a minute)."
        ),
    ),
    th.Property(
        "http_transport",
        th.StringType(allowed_values=list(HTTP_TRANSPORTS)),
        default=DEFAULT_HTTP_TRANSPORT,
        description=(
            "What sends the GETs: `curl` (libcurl, about a fifth of the CPU per request) or `requests` "
            "(urllib3). Writes, proxies and client certificates always use `requests`."
        ),
    ),
)


@dataclass(frozen=True)
class ClientSettings:
    """The transport settings of a config (credentials excluded: see `auth.build_authenticator`)."""

    api_url: str = DEFAULT_API_URL
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS
    request_timeout: int = DEFAULT_REQUEST_TIMEOUT
    page_size: int = MAX_PAGE_SIZE
    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_base_seconds: float = DEFAULT_BACKOFF_BASE_SECONDS
    backoff_max_seconds: float = DEFAULT_BACKOFF_MAX_SECONDS
    max_retry_after_seconds: float = DEFAULT_MAX_RETRY_AFTER_SECONDS
    http_transport: str = DEFAULT_HTTP_TRANSPORT

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ClientSettings:
        """Read a plugin config: a missing (or null) value takes its default. Values out of range are
        refused by the settings' JSON Schema before this runs, never replaced by a default."""

        def given(key: str, default: float) -> float:
            value = config.get(key)
            return default if value is None else float(value)

        return cls(
            api_url=str(config.get("api_url") or DEFAULT_API_URL).rstrip("/"),
            requests_per_minute=int(given("requests_per_minute", DEFAULT_REQUESTS_PER_MINUTE)),
            max_concurrent_requests=int(given("max_concurrent_requests", DEFAULT_MAX_CONCURRENT_REQUESTS)),
            request_timeout=int(given("request_timeout", DEFAULT_REQUEST_TIMEOUT)),
            page_size=int(given("page_size", MAX_PAGE_SIZE)),
            max_retries=int(given("max_retries", DEFAULT_MAX_RETRIES)),
            backoff_base_seconds=given("backoff_base_seconds", DEFAULT_BACKOFF_BASE_SECONDS),
            backoff_max_seconds=given("backoff_max_seconds", DEFAULT_BACKOFF_MAX_SECONDS),
            max_retry_after_seconds=given("max_retry_after_seconds", DEFAULT_MAX_RETRY_AFTER_SECONDS),
            http_transport=str(config.get("http_transport") or DEFAULT_HTTP_TRANSPORT),
        )


def api_url_problem(url: str) -> str | None:
    """Why `api_url` cannot be requested (not an http(s) URL with a host), or None when it can."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a malformed port or IPv6 address
        usable = False
    if usable and not any(char.isspace() for char in url):
        return None
    return "the `api_url` setting is not an http(s) URL with a host (e.g. https://app.asana.com/api/1.0)"
