"""OAuth 2.0 at `/-/oauth_authorize` and `/-/oauth_token`: codes, access tokens that expire, refresh."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import requests

from asana_sandbox.server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    DEFAULT_REFRESH_TOKEN,
)

from .helpers import error_message


def _authorize(root_url: str, state: str = "xyz-123") -> requests.Response:
    return requests.get(
        f"{root_url}/-/oauth_authorize",
        params={
            "client_id": DEFAULT_CLIENT_ID,
            "redirect_uri": DEFAULT_REDIRECT_URI,
            "response_type": "code",
            "state": state,
        },
        allow_redirects=False,
        timeout=30,
    )


def _token(root_url: str, **form: str) -> requests.Response:
    form = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, **form}
    return requests.post(f"{root_url}/-/oauth_token", data=form, timeout=30)


def _get(base_url: str, token: str) -> requests.Response:
    return requests.get(f"{base_url}/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _exchange_code(root_url: str) -> dict[str, object]:
    location = _authorize(root_url).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    response = _token(root_url, grant_type="authorization_code", code=code, redirect_uri=DEFAULT_REDIRECT_URI)
    assert response.status_code == 200, response.text
    return response.json()


def test_authorize_redirects_to_the_redirect_uri_with_a_code_and_the_state(demo) -> None:
    response = _authorize(demo.root_url, state="s-42")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == DEFAULT_REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["s-42"]
    assert query["code"][0]


def test_an_authorization_code_exchanges_for_a_working_bearer_token(demo) -> None:
    body = _exchange_code(demo.root_url)
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["refresh_token"], str) and body["refresh_token"]
    me = _get(demo.base_url, str(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["data"]["gid"] == body["data"]["gid"]  # type: ignore[index]


def test_an_authorization_code_works_only_once(demo) -> None:
    location = _authorize(demo.root_url).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": DEFAULT_REDIRECT_URI}
    assert _token(demo.root_url, **form).status_code == 200
    again = _token(demo.root_url, **form)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_access_tokens_expire_after_expires_in_and_a_refresh_gives_a_new_working_one(sandbox_factory) -> None:
    client = sandbox_factory(oauth_token_ttl=2)  # a second of margin for the first use on a busy machine
    body = _exchange_code(client.root_url)
    assert body["expires_in"] == 2
    token = str(body["access_token"])
    assert _get(client.base_url, token).status_code == 200
    time.sleep(2.1)  # past expires_in
    expired = _get(client.base_url, token)
    assert expired.status_code == 401
    error_message(expired.json())
    refreshed = _token(client.root_url, grant_type="refresh_token", refresh_token=str(body["refresh_token"]))
    assert refreshed.status_code == 200
    new_token = str(refreshed.json()["access_token"])
    assert new_token != token
    assert _get(client.base_url, new_token).status_code == 200


def test_the_documented_refresh_token_gives_an_access_token(demo) -> None:
    response = _token(demo.root_url, grant_type="refresh_token", refresh_token=DEFAULT_REFRESH_TOKEN)
    assert response.status_code == 200
    assert _get(demo.base_url, response.json()["access_token"]).status_code == 200


def test_an_unknown_client_is_a_401_invalid_client(demo) -> None:
    response = _token(
        demo.root_url, client_secret="wrong", grant_type="refresh_token", refresh_token=DEFAULT_REFRESH_TOKEN
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    unknown = requests.get(
        f"{demo.root_url}/-/oauth_authorize",
        params={
            "client_id": "nobody",
            "redirect_uri": DEFAULT_REDIRECT_URI,
            "response_type": "code",
            "state": "s",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert unknown.status_code == 401


def test_an_unknown_refresh_token_or_grant_type_is_a_400(demo) -> None:
    bad_refresh = _token(demo.root_url, grant_type="refresh_token", refresh_token="nope")
    assert bad_refresh.status_code == 400
    assert bad_refresh.json()["error"] == "invalid_grant"
    bad_grant = _token(demo.root_url, grant_type="password")
    assert bad_grant.status_code == 400
    assert bad_grant.json()["error"] == "unsupported_grant_type"


def test_authorize_without_state_is_a_400(demo) -> None:
    response = requests.get(
        f"{demo.root_url}/-/oauth_authorize",
        params={
            "client_id": DEFAULT_CLIENT_ID,
            "redirect_uri": DEFAULT_REDIRECT_URI,
            "response_type": "code",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 400


def test_a_revoked_refresh_token_no_longer_refreshes(demo) -> None:
    refresh = str(_exchange_code(demo.root_url)["refresh_token"])
    revoke = requests.post(f"{demo.root_url}/-/oauth_revoke", data={"token": refresh}, timeout=30)
    assert revoke.status_code == 200
    again = requests.post(f"{demo.root_url}/-/oauth_revoke", data={"token": refresh}, timeout=30)
    assert again.status_code == 200  # 200 also when the token is not (or no longer) known
    refreshed = _token(demo.root_url, grant_type="refresh_token", refresh_token=refresh)
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_revoking_a_bearer_token_or_nothing_is_a_400(demo) -> None:
    access = str(_exchange_code(demo.root_url)["access_token"])
    bearer = requests.post(f"{demo.root_url}/-/oauth_revoke", data={"token": access}, timeout=30)
    assert bearer.status_code == 400
    assert requests.post(f"{demo.root_url}/-/oauth_revoke", data={}, timeout=30).status_code == 400
    assert _get(demo.base_url, access).status_code == 200


def test_authorize_refuses_a_redirect_uri_the_app_did_not_register(demo) -> None:
    response = requests.get(
        f"{demo.root_url}/-/oauth_authorize",
        params={
            "client_id": DEFAULT_CLIENT_ID,
            "redirect_uri": "https://attacker.example/steal",
            "response_type": "code",
            "state": "s",
        },
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 400 and "Location" not in response.headers
    assert response.json()["error"] == "invalid_request"
    assert "redirect_uri" in response.json()["error_description"]


def test_more_redirect_uris_can_be_registered(sandbox_factory) -> None:
    uri = "http://127.0.0.1:5555/cb"
    client = sandbox_factory(oauth_redirect_uris=[uri])
    response = requests.get(
        f"{client.root_url}/-/oauth_authorize",
        params={"client_id": DEFAULT_CLIENT_ID, "redirect_uri": uri, "response_type": "code", "state": "s"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302 and response.headers["Location"].startswith(uri + "?code=")
