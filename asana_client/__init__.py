"""One Asana client for tap-asana and target-asana: auth, throttle, retries, error mapping, pagination,
timestamps and the connection settings both plugins take. It imports neither plugin."""

from asana_client.auth import AsanaOAuthAuthenticator, Authenticator, build_authenticator
from asana_client.client import AsanaClient
from asana_client.errors import (
    AccessDeniedError,
    AsanaAuthError,
    ExpiredOffsetError,
    InvalidRequestError,
    NotFoundError,
    RetriesExhaustedError,
    SyncTokenExpiredError,
    UncertainWriteError,
)
from asana_client.settings import AUTH_PROPERTIES, CONNECTION_PROPERTIES, ClientSettings
from asana_client.throttle import RateLimiter
from asana_client.timestamps import format_timestamp, parse_timestamp

__all__ = [
    "AUTH_PROPERTIES",
    "CONNECTION_PROPERTIES",
    "AccessDeniedError",
    "AsanaAuthError",
    "AsanaClient",
    "AsanaOAuthAuthenticator",
    "Authenticator",
    "ClientSettings",
    "ExpiredOffsetError",
    "InvalidRequestError",
    "NotFoundError",
    "RateLimiter",
    "RetriesExhaustedError",
    "SyncTokenExpiredError",
    "UncertainWriteError",
    "build_authenticator",
    "format_timestamp",
    "parse_timestamp",
]
