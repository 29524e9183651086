"""`asana-authorize`: the authorization-code flow on a loopback redirect, end to end against the sandbox.

The browser is simulated: an HTTP client GETs the authorize URL the command prints and follows the
sandbox's redirect to the command's own listener, as a browser would after the user approves.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from asana_client.auth import AsanaOAuthAuthenticator
from asana_client.authorize import (
    AuthorizeError,
    OAuthApp,
    app_from,
    authorize_url,
    exchange_code,
    pkce_pair,
    run_flow,
    update_env_file,
)
from asana_sandbox.oauth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET


@pytest.fixture
def registered(sandbox_factory):
    """A sandbox whose OAuth app registered the redirect URL of a free loopback port, and that port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return sandbox_factory(oauth_redirect_uris=[f"http://127.0.0.1:{port}/callback"]), port


def _oauth_config(sandbox) -> dict:
    return {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "api_url": sandbox.base_url,
    }


def _start_command(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "asana_client.authorize", "--no-browser", "--timeout", "60", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
    )


def _printed_url(process: subprocess.Popen) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        if "/-/oauth_authorize?" in line:
            return line.strip()
    raise AssertionError("the command printed no authorize URL")


def _works(sandbox, refresh_token: str) -> bool:
    """The refresh token gets an access token that reads the API, as the tap would use it."""
    auth = AsanaOAuthAuthenticator(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        refresh_token=refresh_token,
        auth_endpoint=sandbox.base_url.replace("/api/1.0", "/-/oauth_token"),
    )
    auth.update_access_token()
    me = requests.get(
        f"{sandbox.base_url}/users/me", headers={"Authorization": f"Bearer {auth.access_token}"}, timeout=10
    )
    return me.status_code == 200


def test_browser_approval_stores_a_working_refresh_token_in_env_file(registered, tmp_path) -> None:
    sandbox, port = registered
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_url": sandbox.base_url}))
    env_file = tmp_path / ".env"  # as `meltano config set --store=dotenv` leaves it: the app's credentials
    env_file.write_text(
        "TAP_ASANA_CLIENT_ID='sandbox-client'\nTAP_ASANA_REFRESH_TOKEN='old'\nOTHER=1\n"
        f"TAP_ASANA_CLIENT_SECRET='{DEFAULT_CLIENT_SECRET}'\n"
    )
    process = _start_command(
        tmp_path,
        "--config",
        str(config),
        "--env-file",
        str(env_file),
        "--env-var",
        "TAP_ASANA_REFRESH_TOKEN",
        "--env-var",
        "TARGET_ASANA_REFRESH_TOKEN",
        "--port",
        str(port),
    )
    try:
        url = _printed_url(process)
        query = parse_qs(urlsplit(url).query)
        redirect = urlsplit(query["redirect_uri"][0])
        assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
        assert redirect.port and query["code_challenge_method"] == ["S256"] and len(query["state"][0]) >= 32
        page = requests.get(url, timeout=10)  # the "browser": sandbox approves, redirects to the listener
        assert page.status_code == 200 and "Authorized" in page.text
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert stdout == ""  # stored, not printed
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    lines = env_file.read_text().splitlines()
    assert lines[0] == "TAP_ASANA_CLIENT_ID='sandbox-client'" and lines[2] == "OTHER=1"
    token = lines[1].split("=", 1)[1].strip("'")
    assert token != "old" and lines[4] == f"TARGET_ASANA_REFRESH_TOKEN='{token}'"
    assert token not in stderr and DEFAULT_CLIENT_SECRET not in stderr
    assert _works(sandbox, token)


def test_refresh_token_printed_from_environment_credentials(registered, tmp_path) -> None:
    sandbox, port = registered
    env = {
        "TAP_ASANA_CLIENT_ID": DEFAULT_CLIENT_ID,
        "TAP_ASANA_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
    }
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_url": sandbox.base_url}))
    process = _start_command(tmp_path, "--config", str(config), "--port", str(port), env=env)
    try:
        assert requests.get(_printed_url(process), timeout=10).status_code == 200
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert _works(sandbox, stdout.strip())


def _flow_in_thread(app: OAuthApp) -> tuple[threading.Thread, dict, threading.Event]:
    outcome: dict = {}
    announced = threading.Event()

    def announce(url: str) -> None:
        outcome["url"] = url
        announced.set()

    def target() -> None:
        try:
            outcome["token"] = run_flow(app, open_browser=False, timeout=20, announce=announce)
        except AuthorizeError as exc:
            outcome["error"] = str(exc)

    thread = threading.Thread(target=target)
    thread.start()
    assert announced.wait(10)
    return thread, outcome, announced


def test_a_callback_with_another_state_is_refused(sandbox) -> None:
    thread, outcome, _ = _flow_in_thread(app_from(_oauth_config(sandbox), {}))
    redirect_uri = parse_qs(urlsplit(outcome["url"]).query)["redirect_uri"][0]
    forged = requests.get(f"{redirect_uri}?{urlencode({'code': 'x', 'state': 'forged'})}", timeout=10)
    thread.join(30)
    assert forged.status_code == 400
    assert "state does not match" in outcome["error"] and "token" not in outcome


def test_a_denied_approval_says_so(sandbox) -> None:
    thread, outcome, _ = _flow_in_thread(app_from(_oauth_config(sandbox), {}))
    query = parse_qs(urlsplit(outcome["url"]).query)
    answer = {"error": "access_denied", "state": query["state"][0]}
    requests.get(f"{query['redirect_uri'][0]}?{urlencode(answer)}", timeout=10)
    thread.join(30)
    assert outcome["error"] == "Asana did not authorize the app: access_denied"


def test_wrong_secret_fails_in_one_line_without_the_secret(sandbox) -> None:
    app = app_from({**_oauth_config(sandbox), "client_secret": "not-the-secret"}, {})
    with pytest.raises(AuthorizeError) as error:
        exchange_code(app, code="whatever", redirect_uri="http://127.0.0.1:1/callback", verifier="v" * 43)
    message = str(error.value)
    assert message.startswith("the token endpoint answered HTTP 401") and "not-the-secret" not in message


def test_missing_credentials_are_a_usage_error(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_ASANA_")}
    result = subprocess.run(
        [sys.executable, "-m", "asana_client.authorize", "--no-browser"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "asana-authorize: missing client_id and client_secret: put them in the --config file, or set "
        "TAP_ASANA_CLIENT_ID / TAP_ASANA_CLIENT_SECRET "
        "(from your app's OAuth tab in Asana's developer console)"
    ]


def test_bad_config_file_is_a_usage_error(tmp_path) -> None:
    config = tmp_path / "config.json"
    config.write_text("{not json")
    result = subprocess.run(
        [sys.executable, "-m", "asana_client.authorize", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "is not valid JSON" in result.stderr


def test_endpoints_follow_the_api_host() -> None:
    assert authorize_url("https://app.asana.com/api/1.0") == "https://app.asana.com/-/oauth_authorize"
    app = app_from({"client_id": "c", "client_secret": "s"}, {})
    assert app.token_endpoint == "https://app.asana.com/-/oauth_token"


def test_pkce_challenge_is_s256_of_the_verifier() -> None:
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert pkce_pair()[0] != verifier


def test_env_file_is_created_private(tmp_path) -> None:
    path = tmp_path / "new" / ".env"
    update_env_file(path, {"TAP_ASANA_REFRESH_TOKEN": "abc"})
    assert path.read_text() == "TAP_ASANA_REFRESH_TOKEN='abc'\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_console_script() -> None:
    script = Path(sys.executable).parent / "asana-authorize"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, check=True)
    assert "PKCE" in result.stdout and "--env-file" in result.stdout


def test_the_sandbox_sends_no_code_to_an_unregistered_redirect_url(sandbox, tmp_path) -> None:
    # A random port that the app did not register: Asana shows an error, it does not redirect.
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_url": sandbox.base_url}))
    env = {"TAP_ASANA_CLIENT_ID": DEFAULT_CLIENT_ID, "TAP_ASANA_CLIENT_SECRET": DEFAULT_CLIENT_SECRET}
    process = _start_command(tmp_path, "--config", str(config), "--timeout", "3", env=env)
    try:
        page = requests.get(_printed_url(process), timeout=10, allow_redirects=False)
        assert page.status_code == 400 and "Location" not in page.headers
        assert "redirect_uri" in page.json()["error_description"]
    finally:
        process.kill()
