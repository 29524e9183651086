"""Tokens the sandbox accepts: Personal Access Tokens and OAuth 2.0 (authorization code, refresh token)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from asana_sandbox.errors import json_response

DEFAULT_TOKEN = "sandbox-pat-0123456789abcdef"
DEFAULT_CLIENT_ID = "sandbox-client"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"
DEFAULT_REFRESH_TOKEN = "sandbox-refresh-token"
DEFAULT_REDIRECT_URI = "http://127.0.0.1/oauth/callback"
#: The redirect URL the README has users register for `asana-authorize --port 8910`.
AUTHORIZE_REDIRECT_URI = "http://127.0.0.1:8910/callback"


@dataclass
class TokenInfo:
    """Who a bearer token acts as, and until when."""

    user_gid: str
    service_account: bool = False
    expires_at: float | None = None
    #: The OAuth app the token was issued to; None for a personal access token.
    client_id: str | None = None


class TokenRegistry:
    """PATs, OAuth clients, authorization codes, refresh tokens and live access tokens."""

    def __init__(
        self,
        user_gid: str,
        *,
        pat: str = DEFAULT_TOKEN,
        service_account: bool = True,
        access_token_ttl: int = 3600,
        redirect_uris: tuple[str, ...] = (),
    ) -> None:
        self.user_gid = user_gid
        self.access_token_ttl = access_token_ttl
        self._lock = threading.Lock()
        self._tokens: dict[str, TokenInfo] = {pat: TokenInfo(user_gid, service_account)}
        self._clients = {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
        # As in Asana's developer console, an app lists the redirect URLs it may send codes to; any other
        # `redirect_uri` is refused without redirecting (a code sent there could be stolen).
        registered = {DEFAULT_REDIRECT_URI, AUTHORIZE_REDIRECT_URI, *redirect_uris}
        self._redirect_uris = {DEFAULT_CLIENT_ID: registered}
        self._refresh: dict[str, str] = {DEFAULT_REFRESH_TOKEN: user_gid}
        self._codes: dict[str, tuple[str, str, str]] = {}

    def lookup(self, token: str) -> TokenInfo | None:
        info = self._tokens.get(token)
        if info is None or (info.expires_at is not None and time.time() >= info.expires_at):
            return None
        return info

    # -- OAuth endpoints ------------------------------------------------------------------------------
    def authorize(self, request: Request) -> Response:
        """`GET /-/oauth_authorize`: the user approves at once; redirect back with a code."""
        args = request.args
        for name in ("client_id", "redirect_uri", "response_type", "state"):
            if not args.get(name):
                return _oauth_error("invalid_request", f"{name}: Missing input")
        if args["client_id"] not in self._clients:
            return _oauth_error("invalid_client", "Unknown client_id", 401)
        if args["redirect_uri"] not in self._redirect_uris.get(args["client_id"], ()):
            return _oauth_error(
                "invalid_request", "redirect_uri: Not one of the redirect URLs registered for this app"
            )
        if args["response_type"] != "code":
            return _oauth_error("unsupported_response_type", "Only response_type=code is supported here")
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = (args["client_id"], args["redirect_uri"], self.user_gid)
        return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

    def token(self, request: Request) -> Response:
        """`POST /-/oauth_token` (form-encoded), grant types authorization_code and refresh_token."""
        form = request.form
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if not client_id or self._clients.get(client_id) != client_secret:
            return _oauth_error("invalid_client", "Client authentication failed", 401)
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                entry = self._codes.pop(form.get("code", ""), None)
                if entry is None or entry[0] != client_id or entry[1] != form.get("redirect_uri"):
                    return _oauth_error("invalid_grant", "The authorization code is invalid or expired")
                user_gid = entry[2]
                refresh = secrets.token_urlsafe(24)
                self._refresh[refresh] = user_gid
            elif grant == "refresh_token":
                refresh = form.get("refresh_token", "")
                user_gid = self._refresh.get(refresh)
                if user_gid is None:
                    return _oauth_error("invalid_grant", "The refresh token is invalid or revoked")
            else:
                return _oauth_error(
                    "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
                )
            access = secrets.token_urlsafe(24)
            self._tokens[access] = TokenInfo(user_gid, False, time.time() + self.access_token_ttl, client_id)
        body = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.access_token_ttl,
            "data": {"id": user_gid, "gid": user_gid},
        }
        if grant == "authorization_code":
            body["refresh_token"] = refresh
        return json_response(body)

    def revoke(self, request: Request) -> Response:
        """`POST /-/oauth_revoke`: 200 whether or not the refresh token existed; 400 for a bearer token."""
        token = request.form.get("token")
        if not token:
            return _oauth_error("invalid_request", "token: Missing input")
        with self._lock:
            if token in self._tokens:
                return _oauth_error("invalid_request", "token: Pass a refresh token, not a bearer token")
            self._refresh.pop(token, None)
        return json_response({})


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)
