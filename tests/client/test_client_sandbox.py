"""AsanaClient against the sandbox: reads, pages, 429 and 5xx, 401 and OAuth, tokens that leak nothing."""

from __future__ import annotations

import logging
import re
import socket
from datetime import datetime, timezone

import pytest

from asana_client import (
    AsanaAuthError,
    AsanaClient,
    AsanaOAuthAuthenticator,
    NotFoundError,
    RetriesExhaustedError,
)
from asana_sandbox.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN

FAST = {"requests_per_minute": 1_000_000, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05}
WAIT_LOG = re.compile(r"retry \d+ in (?P<wait>[0-9.]+)s")


def pat_client(sandbox, **overrides) -> AsanaClient:
    return AsanaClient.from_config(
        {"access_token": sandbox.token, "api_url": sandbox.base_url, **FAST, **overrides}
    )


def oauth_client(sandbox, **overrides) -> AsanaClient:
    config = {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "refresh_token": DEFAULT_REFRESH_TOKEN,
        "api_url": sandbox.base_url,
        **FAST,
        **overrides,
    }
    return AsanaClient.from_config(config)


def statuses(sandbox) -> dict[str, int]:
    return sandbox.control("stats")["requests"]["by_status"]


def chain(exc: BaseException | None) -> str:
    """The text of an exception and of every exception it was raised from or during."""
    parts = []
    while exc is not None:
        parts.append(f"{type(exc).__name__}: {exc!s} {exc!r}")
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


def test_get_one_object(sandbox) -> None:
    workspace = sandbox.store.all("workspace")[0]
    body = pat_client(sandbox).get(f"/workspaces/{workspace['gid']}")
    assert body["data"]["gid"] == workspace["gid"]
    assert body["data"]["name"] == workspace["name"]


def test_paginate_follows_next_page_offset_through_every_page(sandbox) -> None:
    workspace = sandbox.store.all("workspace")[0]["gid"]
    with pat_client(sandbox, page_size=4) as client:
        users = list(client.paginate("/users", {"workspace": workspace, "opt_fields": "name"}))
    expected = {u["gid"] for u in sandbox.store.all("user") if _in_workspace(u, workspace)}
    assert len(expected) > 8  # enough for several pages of 4
    assert sorted(u["gid"] for u in users) == sorted(expected)  # each once
    assert all("name" in u for u in users)
    assert statuses(sandbox) == {"200": -(-len(expected) // 4)}  # one request per page, no more


def test_unknown_object_is_not_found(sandbox) -> None:
    with pytest.raises(
        NotFoundError, match=r"^404 NOT FOUND for GET /api/1.0/tasks/999: task_gid: Unknown object"
    ):
        pat_client(sandbox).get("/tasks/999")


def test_429_waits_exactly_retry_after_then_succeeds(sandbox, caplog) -> None:
    sandbox.control("faults", {"rate_limit_burst": 2, "rate_limit_retry_after": 1})
    with caplog.at_level(logging.WARNING, logger="asana_client"):
        body = pat_client(sandbox).get("/workspaces")
    assert len(body["data"]) == len(sandbox.store.all("workspace"))
    waits = [float(m["wait"]) for r in caplog.records if (m := WAIT_LOG.search(r.getMessage()))]
    assert waits == [1.0, 1.0]  # the server's Retry-After, not the exponential schedule
    assert statuses(sandbox) == {"429": 2, "200": 1}


def test_5xx_is_retried_until_it_succeeds(sandbox) -> None:
    sandbox.control("faults", {"error_rate": 0.5, "error_status": 503, "seed": 4})
    workspace = sandbox.store.all("workspace")[0]["gid"]
    users = list(pat_client(sandbox, page_size=3).paginate("/users", {"workspace": workspace}))
    assert {u["gid"] for u in users} == {
        u["gid"] for u in sandbox.store.all("user") if _in_workspace(u, workspace)
    }
    assert statuses(sandbox).get("503", 0) > 0


def test_5xx_gives_up_after_max_retries_with_a_message_free_of_secrets(sandbox) -> None:
    sandbox.control("faults", {"error_rate": 1.0, "error_status": 502})
    with pytest.raises(RetriesExhaustedError) as raised:
        pat_client(sandbox, max_retries=3).get("/workspaces", {"opt_fields": "name"})
    assert str(raised.value) == (
        "GET /workspaces: giving up after 3 tries; last error: 502 BAD GATEWAY for GET /api/1.0/workspaces"
    )
    assert sandbox.token not in chain(raised.value)
    assert statuses(sandbox) == {"502": 3}


def test_unreachable_server_gives_up_without_quoting_the_token() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "0/unreachable-secret-token"
    client = AsanaClient.from_config(
        {"access_token": token, "api_url": f"http://127.0.0.1:{port}/api/1.0", "max_retries": 2, **FAST}
    )
    with pytest.raises(RetriesExhaustedError, match=r"giving up after 2 tries; last error: ConnectionError"):
        client.get("/workspaces")


def test_bad_pat_fails_once_with_one_error_naming_the_setting(sandbox) -> None:
    secret = "0/not-a-real-token-1234567890"
    with pytest.raises(AsanaAuthError) as raised:
        pat_client(sandbox, access_token=secret).get("/workspaces")
    assert str(raised.value) == (
        "Asana refused the credentials (HTTP 401 Not Authorized); check the `access_token` setting"
    )
    assert secret not in chain(raised.value)
    assert statuses(sandbox) == {"401": 1}  # a PAT cannot be refreshed: no second try


def test_token_with_trailing_newline_is_trimmed(sandbox) -> None:
    body = pat_client(sandbox, access_token=f"  {sandbox.token}\r\n").get("/users/me")
    assert body["data"]["gid"]
    assert statuses(sandbox) == {"200": 1}


@pytest.mark.parametrize("token", ["0/abc\ndef-secret", "0/abc def-secret", "0/abcdéf-secret", " \n"])
def test_token_a_header_cannot_carry_is_refused_before_any_request(sandbox, token) -> None:
    with pytest.raises(
        AsanaAuthError, match=r"`access_token` setting is empty or holds characters"
    ) as raised:
        pat_client(sandbox, access_token=token)
    assert "secret" not in chain(raised.value)
    assert sandbox.control("stats")["requests"]["total"] == 0


def test_oauth_refreshes_first_then_reads(sandbox) -> None:
    client = oauth_client(sandbox)
    assert isinstance(client.authenticator, AsanaOAuthAuthenticator)
    assert client.get("/users/me")["data"]["gid"]
    assert client.get("/workspaces")["data"]
    assert client.authenticator.refresh_count == 1
    assert statuses(sandbox) == {"200": 2}


def test_oauth_401_refreshes_once_and_retries(sandbox) -> None:
    client = oauth_client(sandbox)
    auth = client.authenticator
    assert isinstance(auth, AsanaOAuthAuthenticator)
    auth.update_access_token()
    auth.access_token = "revoked-by-the-server"  # still looks fresh locally
    auth.last_refreshed = datetime.now(timezone.utc)
    assert client.get("/workspaces")["data"]
    assert statuses(sandbox) == {"401": 1, "200": 1}
    assert auth.refresh_count == 2


def test_oauth_401_after_a_refresh_names_the_oauth_settings(sandbox) -> None:
    client = oauth_client(sandbox)
    auth = client.authenticator
    assert isinstance(auth, AsanaOAuthAuthenticator)
    # The server refuses every token: the refresh is tried once, then the error names the settings.
    auth.update_access_token = lambda: _stale(auth)  # type: ignore[method-assign]
    with pytest.raises(AsanaAuthError, match=r"401 Not Authorized\); check the `client_id`, `client_secret`"):
        client.get("/workspaces")
    assert statuses(sandbox) == {"401": 2}


def test_failed_refresh_names_the_settings_and_no_secret(sandbox) -> None:
    stale = "stale-refresh-token-abcdef"
    with pytest.raises(AsanaAuthError, match=r"HTTP 400; check the .*`refresh_token` settings") as raised:
        oauth_client(sandbox, refresh_token=stale).get("/workspaces")
    assert stale not in chain(raised.value) and DEFAULT_CLIENT_SECRET not in chain(raised.value)
    assert sandbox.control("stats")["requests"]["total"] == 0  # no API request without a token


def _stale(auth: AsanaOAuthAuthenticator) -> None:
    auth.access_token = "always-refused"
    auth.last_refreshed = datetime.now(timezone.utc)


def _in_workspace(user: dict, workspace: str) -> bool:
    return any((w["gid"] if isinstance(w, dict) else w) == workspace for w in user.get("workspaces", []))
