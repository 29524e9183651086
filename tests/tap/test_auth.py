"""Credentials: PAT, OAuth refresh (before expiry and after a 401), and clear failures without secrets."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone

import pytest

from asana_client.auth import AsanaOAuthAuthenticator, oauth_token_url
from asana_client.errors import AsanaAuthError
from asana_sandbox.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from tap_asana.tap import TapAsana
from tests.tap.tap_runner import FAST, run_tap, tap_config, tap_with_config

STREAMS = ["workspaces", "users", "projects", "sections"]


def _oauth_config(sandbox, **overrides) -> dict:
    return {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "refresh_token": DEFAULT_REFRESH_TOKEN,
        "api_url": sandbox.base_url,
        **FAST,
        **overrides,
    }


def _run_cli(config: dict, tmp_path) -> subprocess.CompletedProcess:
    return tap_with_config(config, tmp_path)


def test_token_url_derives_from_api_url() -> None:
    assert oauth_token_url("https://app.asana.com/api/1.0") == "https://app.asana.com/-/oauth_token"
    assert oauth_token_url("http://127.0.0.1:5000/api/1.0") == "http://127.0.0.1:5000/-/oauth_token"


def test_oauth_authenticator_is_built_once_per_tap(sandbox) -> None:
    tap = TapAsana(config=_oauth_config(sandbox))
    authenticators = {id(stream.authenticator) for stream in tap.streams.values()}
    assert authenticators == {id(tap.authenticator)}
    assert isinstance(tap.authenticator, AsanaOAuthAuthenticator)


def test_oauth_refreshes_before_expiry(sandbox_factory) -> None:
    sandbox = sandbox_factory(oauth_token_ttl=4)  # refreshed 2 s before expiry (half its lifetime)
    sandbox.control("faults", {"delay_ms": 300})  # ~15 requests: the run spans two token lifetimes
    # One request at a time, so that the run is long enough (read-ahead would overlap the delays).
    result = run_tap(_oauth_config(sandbox, max_concurrent_requests=1), streams=STREAMS)
    statuses = sandbox.control("stats")["requests"]["by_status"]
    assert "401" not in statuses, statuses
    assert result.tap.authenticator.refresh_count >= 2
    assert sorted(result.gids("sections")) == sorted(s["gid"] for s in sandbox.store.all("section"))


def test_oauth_refreshes_after_a_401_and_retries(sandbox) -> None:
    tap_config_ = _oauth_config(sandbox)
    tap = TapAsana(config=tap_config_)
    auth = tap.authenticator
    auth.update_access_token()
    auth.access_token = "revoked-by-the-server"  # still looks fresh locally
    auth.last_refreshed = datetime.now(timezone.utc)
    stream = tap.streams["workspaces"]
    records = list(stream.request_records(None))
    assert {r["gid"] for r in records} == {w["gid"] for w in sandbox.store.all("workspace")}
    assert sandbox.control("stats")["requests"]["by_status"] == {"401": 1, "200": 1}
    assert auth.refresh_count == 2


def test_bad_pat_fails_with_one_line_naming_the_setting(sandbox, tmp_path) -> None:
    secret = "0/not-a-real-token-1234567890"
    run = _run_cli(tap_config(sandbox, access_token=secret), tmp_path)
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert "401" in last and "`access_token`" in last
    assert "Traceback" not in run.stderr
    assert secret not in run.stderr + run.stdout


def test_failed_refresh_fails_with_one_line_and_no_secrets(sandbox, tmp_path) -> None:
    config = _oauth_config(sandbox, refresh_token="stale-refresh-token-abcdef")
    run = _run_cli(config, tmp_path)
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert "refresh_token" in last and "HTTP 400" in last
    assert "Traceback" not in run.stderr
    for secret in (config["refresh_token"], config["client_secret"]):
        assert secret not in run.stderr + run.stdout


def test_missing_credentials_name_both_options(sandbox) -> None:
    with pytest.raises(AsanaAuthError, match=r"access_token.*client_id"):
        run_tap({"api_url": sandbox.base_url, **FAST}, streams=["workspaces"])
