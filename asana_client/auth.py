"""Authentication: a Personal Access Token, or OAuth 2.0 with a refresh token; and what a 401 means."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from singer_sdk.authenticators import APIAuthenticatorBase, BearerTokenAuthenticator, OAuthAuthenticator
from singer_sdk.exceptions import RetriableAPIError

from asana_client.errors import AsanaAuthError, error_summary
from asana_client.settings import DEFAULT_API_URL
from asana_client.timestamps import utc_now

# Refresh this long before the announced expiry, but never more than half the token's lifetime.
REFRESH_MARGIN_SECONDS = 60
OAUTH_SETTINGS_HINT = "check the `client_id`, `client_secret` and `refresh_token` settings"
PAT_SETTINGS_HINT = "check the `access_token` setting"
OAUTH_SETTINGS = ("client_id", "client_secret", "refresh_token")


def clean_token(value: str, *, source: str, hint: str) -> str:
    """`value` without surrounding whitespace (a pasted token often ends in a newline).

    A token with other characters a header cannot carry is refused here, naming `source`: sent, it
    would make the HTTP library raise an error that quotes the whole `Authorization` header.
    """
    token = value.strip()
    if not token or not all("!" <= char <= "~" for char in token):
        raise AsanaAuthError(
            f"The {source} is empty or holds characters an HTTP header cannot carry "
            f"(spaces, line breaks, non-ASCII); {hint}"
        )
    return token


def oauth_token_url(api_url: str) -> str:
    """Asana's token endpoint lives on the API host: `https://app.asana.com/-/oauth_token`."""
    parts = urlsplit(api_url or DEFAULT_API_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/-/oauth_token", "", ""))


class HeaderAuthenticator(APIAuthenticatorBase):
    """Credentials in the `Authorization` header only, the URL left as it is.

    The SDK's `authenticate_request` also splits the URL's query apart and encodes it again on every call,
    to add `auth_params`, which Asana's credentials never use: with a 3-4 kB `opt_fields`, twice per
    request, that was a large share of the tap's CPU. The tap sends the parameters that re-encoding gave
    (`asana_client.query.encode_query` with `drop_blank`), so Asana reads the same request.
    """

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.auth_params:  # never set for Asana; kept correct should a subclass add some
            return super().authenticate_request(request)
        request.headers.update(self.auth_headers)
        return request


class AsanaBearerAuthenticator(BearerTokenAuthenticator, HeaderAuthenticator):
    """A Personal Access Token (or service account token) as a bearer token."""


class AsanaOAuthAuthenticator(OAuthAuthenticator, HeaderAuthenticator):
    """Refresh-token grant: refreshes before expiry and after a 401; keeps a rotated refresh token."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        auth_endpoint: str,
        redirect_uri: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        super().__init__(
            auth_endpoint=auth_endpoint,
            client_id=client_id,
            client_secret=client_secret,
            default_expiration=3600,
        )
        self.refresh_token: str | None = refresh_token
        self._redirect_uri = redirect_uri
        self._timeout = timeout
        self._refresh_lock = threading.Lock()
        self.refresh_count = 0

    @property
    def oauth_request_body(self) -> dict:
        body = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
        }
        if self._redirect_uri:
            body["redirect_uri"] = self._redirect_uri
        return body

    def is_token_valid(self) -> bool:
        if self.access_token is None or self.last_refreshed is None:
            return False
        if not self.expires_in:
            return True
        margin = min(REFRESH_MARGIN_SECONDS, self.expires_in / 2)
        return utc_now() < self.last_refreshed + timedelta(seconds=self.expires_in - margin)

    def invalidate(self) -> None:
        """Forget the access token (after a 401), so the next request refreshes it first."""
        self.last_refreshed = None

    def update_access_token(self) -> None:
        with self._refresh_lock:
            if self.is_token_valid():  # another thread refreshed while we waited
                return
            self.logger.info("Requesting a new Asana access token")
            requested_at = utc_now()
            try:
                response = self._session.post(
                    self.auth_endpoint, data=self.oauth_request_payload, timeout=self._timeout
                )
            except requests.RequestException as exc:
                raise AsanaAuthError(
                    f"Could not reach the OAuth token endpoint ({type(exc).__name__}); "
                    "check the `api_url` / `oauth_token_url` settings"
                ) from None
            if response.status_code != 200:
                # The body may echo the refresh token or client details; never log it.
                raise AsanaAuthError(
                    f"Refreshing the Asana access token failed with HTTP {response.status_code}; "
                    f"{OAUTH_SETTINGS_HINT}"
                )
            payload: Mapping[str, Any] = response.json()
            self.access_token = clean_token(
                str(payload.get("access_token") or ""),
                source="access token from the OAuth token endpoint",
                hint="check the `oauth_token_url` setting",
            )
            expires_in = payload.get("expires_in", self._default_expiration)
            self.expires_in = int(expires_in) if expires_in else None
            # Asana may rotate the refresh token; the next refresh must use the new one.
            self.refresh_token = payload.get("refresh_token") or self.refresh_token
            self.last_refreshed = requested_at
            self.refresh_count += 1


Authenticator = AsanaBearerAuthenticator | AsanaOAuthAuthenticator


def build_authenticator(config: Mapping[str, Any]) -> Authenticator:
    """The one authenticator of a run, from whichever credentials the config holds.

    Values are trimmed: a token pasted from a file often carries a trailing newline.
    """
    if config.get("access_token"):
        token = clean_token(
            str(config["access_token"]), source="`access_token` setting", hint=PAT_SETTINGS_HINT
        )
        return AsanaBearerAuthenticator(token=token)
    values = {key: str(config.get(key) or "").strip() for key in OAUTH_SETTINGS}
    if missing := [key for key, value in values.items() if not value]:
        raise AsanaAuthError(
            "No credentials: set `access_token` (a Personal Access Token), or all of "
            "`client_id`, `client_secret` and `refresh_token` (OAuth); missing: " + ", ".join(missing)
        )
    return AsanaOAuthAuthenticator(
        client_id=values["client_id"],
        client_secret=values["client_secret"],
        refresh_token=values["refresh_token"],
        auth_endpoint=str(config.get("oauth_token_url") or oauth_token_url(config.get("api_url") or "")),
        redirect_uri=config.get("redirect_uri"),
        timeout=float(config.get("request_timeout") or 60),
    )


def unauthorized_error(
    authenticator: Authenticator, response: requests.Response, *, consecutive: int
) -> Exception:
    """What to raise for the `consecutive`-th 401 in a row.

    With OAuth, the first one invalidates the access token and is retried (the retry refreshes it);
    otherwise, or again, the error names the settings to fix.
    """
    if isinstance(authenticator, AsanaOAuthAuthenticator) and consecutive == 1:
        authenticator.invalidate()
        return RetriableAPIError(error_summary(response), response)
    hint = OAUTH_SETTINGS_HINT if isinstance(authenticator, AsanaOAuthAuthenticator) else PAT_SETTINGS_HINT
    return AsanaAuthError(f"Asana refused the credentials (HTTP 401 Not Authorized); {hint}")
