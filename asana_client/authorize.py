"""`asana-authorize`: the first OAuth refresh token, by the authorization-code flow on a loopback redirect.

The tap and the target refresh access tokens from a refresh token, but someone must first approve the app
in a browser. This command listens on `http://127.0.0.1:<port>/callback`, prints (and tries to open) the
authorize URL, checks the `state` of the redirect it receives, and exchanges the code, with the PKCE
verifier, at the token endpoint. The refresh token is printed on stdout, or written to a file or a
Meltano `.env` (mode 0600). No secret is ever written to stderr.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import click
import requests

from asana_client.auth import oauth_token_url
from asana_client.settings import DEFAULT_API_URL

CALLBACK_PATH = "/callback"
#: The variables Meltano reads the tap's OAuth settings from (`meltano config set` writes them to `.env`).
CLIENT_ID_VAR = "TAP_ASANA_CLIENT_ID"
CLIENT_SECRET_VAR = "TAP_ASANA_CLIENT_SECRET"
REFRESH_TOKEN_VAR = "TAP_ASANA_REFRESH_TOKEN"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AuthorizeError(Exception):
    """The flow failed; the message is one line that says what to do, with no secret in it."""


def authorize_url(api_url: str) -> str:
    """Asana's authorize endpoint lives on the API host: `https://app.asana.com/-/oauth_authorize`."""
    parts = urlsplit(api_url or DEFAULT_API_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/-/oauth_authorize", "", ""))


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)  # 86 characters, within the 43-128 allowed
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Callback:
    """What the browser's redirect brought to the loopback listener (first one only)."""

    params: dict[str, str] = field(default_factory=dict)
    received: threading.Event = field(default_factory=threading.Event)


class _CallbackHandler(BaseHTTPRequestHandler):
    """Answers `GET /callback?...` once with a short page; anything else is a 404."""

    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self._answer(404, "Not the OAuth callback.")
            return
        params = {key: values[0] for key, values in parse_qs(parts.query).items()}
        callback = self.server.callback
        if callback.received.is_set():
            self._answer(409, "This authorization was already received; you can close this tab.")
            return
        callback.params = params
        callback.received.set()
        if "code" in params and params.get("state") == self.server.state:
            self._answer(200, "Authorized. You can close this tab and go back to the terminal.")
        else:
            self._answer(400, "Authorization failed; see the terminal.")

    def _answer(self, status: int, text: str) -> None:
        body = f"<!doctype html><title>asana-authorize</title><p>{text}</p>\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries the authorization code."""


class _CallbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, state: str) -> None:
        super().__init__(("127.0.0.1", port), _CallbackHandler)
        self.state = state
        self.callback = Callback()


@dataclass(frozen=True)
class OAuthApp:
    """The app's credentials and Asana's endpoints."""

    client_id: str
    client_secret: str
    authorize_endpoint: str
    token_endpoint: str


def app_from(config: Mapping[str, Any], env: Mapping[str, str]) -> OAuthApp:
    """The app from a tap config (`client_id`, `client_secret`, `api_url`, `oauth_token_url`) or the env."""
    client_id = str(config.get("client_id") or env.get(CLIENT_ID_VAR) or "").strip()
    client_secret = str(config.get("client_secret") or env.get(CLIENT_SECRET_VAR) or "").strip()
    missing = [
        name for name, value in (("client_id", client_id), ("client_secret", client_secret)) if not value
    ]
    if missing:
        raise click.UsageError(
            f"missing {' and '.join(missing)}: put them in the --config file, or set "
            f"{CLIENT_ID_VAR} / {CLIENT_SECRET_VAR} (from your app's OAuth tab in Asana's developer console)"
        )
    api_url = str(config.get("api_url") or DEFAULT_API_URL)
    return OAuthApp(
        client_id=client_id,
        client_secret=client_secret,
        authorize_endpoint=authorize_url(api_url),
        token_endpoint=str(config.get("oauth_token_url") or oauth_token_url(api_url)),
    )


def exchange_code(
    app: OAuthApp, *, code: str, redirect_uri: str, verifier: str, timeout: float = 60.0
) -> dict[str, Any]:
    """POST the code to the token endpoint; the token response (with `refresh_token`)."""
    form = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": redirect_uri,
        "code": code,
        "code_verifier": verifier,
    }
    try:
        response = requests.post(app.token_endpoint, data=form, timeout=timeout)
    except requests.RequestException as exc:
        raise AuthorizeError(
            f"could not reach the token endpoint {app.token_endpoint} ({type(exc).__name__})"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("refresh_token"):
        # `error` / `error_description` are Asana's own words (no secret); the rest of the body is not shown.
        reason = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
        raise AuthorizeError(
            f"the token endpoint answered HTTP {response.status_code}"
            + (f" ({reason})" if reason else " without a refresh token")
            + "; check the client secret and that the redirect URI is registered for the app"
        )
    if not all("!" <= char <= "~" and char not in "'\"" for char in str(body["refresh_token"])):
        raise AuthorizeError("the token endpoint answered a refresh token with characters no .env can hold")
    return body


def run_flow(
    app: OAuthApp,
    *,
    port: int = 0,
    scopes: str | None = None,
    open_browser: bool = True,
    timeout: float = 300.0,
    announce: Any = None,
) -> dict[str, Any]:
    """The whole flow; returns the token response. `announce(url)` is told the authorize URL."""
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair()
    try:
        server = _CallbackServer(port, state)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}"
    query = {
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if scopes:
        query["scope"] = scopes
    url = f"{app.authorize_endpoint}?{urlencode(query)}"
    thread = threading.Thread(target=server.serve_forever, name="asana-authorize", daemon=True)
    thread.start()
    try:
        if announce is not None:
            announce(url)
        if open_browser:
            # No browser here is fine: the URL is printed.
            with contextlib.suppress(Exception):
                webbrowser.open(url, new=1)
        if not server.callback.received.wait(timeout):
            raise AuthorizeError(
                f"no answer on {redirect_uri} within {timeout:.0f} s; open the URL above in a browser "
                "signed in to Asana (or run again with a longer --timeout)"
            )
    finally:
        server.shutdown()
        server.server_close()
    params = server.callback.params
    if params.get("state") != state:
        raise AuthorizeError(
            "the redirect's state does not match this run's (a stale tab or a forged request); run again"
        )
    if "error" in params:
        detail = params.get("error_description") or params["error"]
        raise AuthorizeError(f"Asana did not authorize the app: {detail}")
    if not params.get("code"):
        raise AuthorizeError("the redirect carried no authorization code; run again")
    return exchange_code(app, code=params["code"], redirect_uri=redirect_uri, verifier=verifier)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600), even while it is being written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        handle.write(text)


def update_env_file(path: Path, values: Mapping[str, str]) -> None:
    """Set `values` in a dotenv file as Meltano writes them (`NAME='value'`), keeping every other line."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(values)
    kept = []
    for line in lines:
        name = line.split("=", 1)[0].strip().removeprefix("export ").strip()
        if name in pending:
            kept.append(f"{name}='{pending.pop(name)}'")
        else:
            kept.append(line)
    kept += [f"{name}='{value}'" for name, value in pending.items()]
    write_private(path, "\n".join(kept) + "\n")


def read_env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines of a dotenv file (quotes removed); {} when it does not exist."""
    values = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                values[name.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"asana-authorize: {message}", err=True)
    sys.exit(code)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The tap's config file (client_id, client_secret, api_url, oauth_token_url). "
    f"Default: {CLIENT_ID_VAR} and {CLIENT_SECRET_VAR} from the environment.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Loopback port of the redirect URI http://127.0.0.1:<port>/callback (0: any free port). "
    "Use the port of the redirect URL registered for the app.",
)
@click.option(
    "--scopes",
    help="Space-separated OAuth scopes (e.g. 'tasks:read projects:read'), for an app registered with "
    "specific scopes. Default: none sent (an app with full permissions).",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Store the refresh token in this dotenv file (e.g. the Meltano project's .env, mode 0600); "
    f"{CLIENT_ID_VAR} and {CLIENT_SECRET_VAR} are also read from it.",
)
@click.option(
    "--env-var",
    "env_vars",
    multiple=True,
    default=(REFRESH_TOKEN_VAR,),
    show_default=True,
    help="Variable(s) set in --env-file; repeat for the target too (TARGET_ASANA_REFRESH_TOKEN).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the token response as JSON to this file (mode 0600) instead of printing the refresh token.",
)
@click.option("--no-browser", is_flag=True, help="Only print the authorize URL.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    help="Seconds to wait for the browser.",
)
def main(
    config_path: Path | None,
    port: int,
    scopes: str | None,
    env_file: Path | None,
    env_vars: tuple[str, ...],
    output: Path | None,
    no_browser: bool,
    timeout: float,
) -> None:
    """Get an Asana OAuth refresh token for tap-asana / target-asana (authorization code + PKCE)."""
    config: dict[str, Any] = {}
    if config_path is not None:
        try:
            loaded = json.loads(config_path.read_text(encoding="utf-8"))
        except OSError as exc:
            _fail(f"cannot read --config {config_path}: {exc.strerror or exc}", 2)
        except ValueError as exc:
            _fail(f"--config {config_path} is not valid JSON: {exc}", 2)
        if not isinstance(loaded, dict):
            _fail(f"--config {config_path} must hold a JSON object", 2)
        config = loaded
    if bad := [name for name in env_vars if not _ENV_NAME.match(name)]:
        _fail(f"--env-var {bad[0]!r} is not a variable name", 2)
    try:
        # `meltano config set` keeps the secret in the project's .env: read it there too.
        app = app_from(config, {**(read_env_file(env_file) if env_file else {}), **os.environ})
        token = run_flow(
            app,
            port=port,
            scopes=scopes,
            open_browser=not no_browser,
            timeout=timeout,
            announce=lambda url: click.echo(
                f"Open this URL in a browser signed in to Asana, and approve the app:\n\n  {url}\n", err=True
            ),
        )
    except click.UsageError as exc:
        _fail(exc.message, 2)
    except AuthorizeError as exc:
        _fail(str(exc))
    user = token.get("data") or {}
    who = user.get("email") or user.get("name") or user.get("gid") or user.get("id") or "?"
    if env_file is not None:
        update_env_file(env_file, {name: token["refresh_token"] for name in env_vars})
        click.echo(
            f"Authorized as {who}; refresh token stored in {env_file} as {', '.join(env_vars)}", err=True
        )
    if output is not None:
        write_private(output, json.dumps(token, indent=2) + "\n")
        click.echo(f"Authorized as {who}; token response written to {output}", err=True)
    if env_file is None and output is None:
        click.echo(f"Authorized as {who}; the refresh token is on stdout", err=True)
        click.echo(token["refresh_token"])


if __name__ == "__main__":
    main()
