"""asana_client.transport and .query: the per-request shortcuts change nothing a server or a proxy sees."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
import requests
from requests.utils import resolve_proxies

from asana_client.query import EncodedQuery, encode_query
from asana_client.transport import AsanaResponse, AsanaSession

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class Recorder(BaseHTTPRequestHandler):
    """Answers every GET with a small JSON body and notes the request line (a proxy sees absolute URLs)."""

    seen: list[str]

    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        body = b'{"data": [{"gid": "1"}], "next_page": null}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy variable from the machine running the tests."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def _url(server: ThreadingHTTPServer, path: str = "/api/1.0/tasks?limit=1") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_a_request_goes_through_the_proxy_the_environment_names(
    clean_proxy_env: pytest.MonkeyPatch, recorder: ThreadingHTTPServer
) -> None:
    # The "proxy" answers itself: what matters is that the request reached it in proxy form.
    clean_proxy_env.setenv("HTTP_PROXY", _url(recorder, ""))
    target = "http://asana.proxied.invalid/api/1.0/tasks?limit=1"
    with AsanaSession() as session:
        for _ in range(2):
            assert session.get(target, timeout=10).json()["data"] == [{"gid": "1"}]
    assert recorder.seen == [target, target]  # type: ignore[attr-defined]


def test_no_proxy_is_honoured(clean_proxy_env: pytest.MonkeyPatch, recorder: ThreadingHTTPServer) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    clean_proxy_env.setenv("NO_PROXY", "127.0.0.1")
    with AsanaSession() as session:
        assert session.get(_url(recorder), timeout=10).status_code == 200
    assert recorder.seen == ["/api/1.0/tasks?limit=1"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"HTTPS_PROXY": "http://proxy.example:3128"},
        {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "app.asana.com"},
        {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": ".asana.com"},
        {"HTTP_PROXY": "http://proxy.example:3128"},
        {"ALL_PROXY": "socks5://proxy.example:1080", "NO_PROXY": "other.example"},
        {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "*"},
    ],
)
@pytest.mark.parametrize(
    "url", ["https://app.asana.com/api/1.0/tasks?opt_fields=name", "http://app.asana.com:8080/api/1.0/users"]
)
def test_proxies_are_the_ones_requests_resolves(
    clean_proxy_env: pytest.MonkeyPatch, environment: dict[str, str], url: str
) -> None:
    for name, value in environment.items():
        clean_proxy_env.setenv(name, value)
    request = requests.Request("GET", url).prepare()
    session = AsanaSession()
    assert session.proxies_for(request) == resolve_proxies(request, {}, True)
    session.trust_env = False
    assert session.proxies_for(request) == {}


def test_the_environment_is_read_once_per_origin(clean_proxy_env: pytest.MonkeyPatch) -> None:
    session = AsanaSession()
    first = requests.Request("GET", "https://app.asana.com/api/1.0/tasks?offset=a").prepare()
    assert session.proxies_for(first) == {}
    clean_proxy_env.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    later = requests.Request("GET", "https://app.asana.com/api/1.0/projects?offset=b").prepare()
    assert session.proxies_for(later) == {}  # same origin: resolved when the session first used it
    other = requests.Request("GET", "https://other.example/x").prepare()
    assert session.proxies_for(other) == {"https": "http://proxy.example:3128"}


def test_a_body_is_decoded_once_and_a_bad_one_raises_each_time(
    clean_proxy_env: pytest.MonkeyPatch, recorder: ThreadingHTTPServer
) -> None:
    with AsanaSession() as session:
        response = session.get(_url(recorder), timeout=10)
    assert isinstance(response, AsanaResponse)
    assert response.json() is response.json()
    assert response.json(parse_float=float) is not response.json()  # other arguments: a new decoding
    broken = AsanaResponse()
    broken._content = b"<html>proxy error</html>"
    broken.status_code = 200
    for _ in range(2):
        with pytest.raises(requests.exceptions.JSONDecodeError):
            broken.json()


#: Queries as the tap sends them: a page of a listing, a filtered listing.
TYPICAL_QUERIES = [
    {
        "limit": 100,
        "offset": "eyJ0eXAiOiJKV1Qi+/=",
        "opt_fields": "name,assignee.name,memberships.project",
    },
    {"workspace": "12345", "modified_since": "2024-01-02T00:00:00+00:00", "completed": True},
]


@pytest.mark.parametrize(
    "params",
    [
        *TYPICAL_QUERIES,
        {"text": "naïve café & co / 100%", "tags": ["a b", None, 3], "none": None, "raw": b"x y"},
        {"empty": "", "tuple": ("x", "y"), "number": 1.5, "flag": False},
    ],
)
@pytest.mark.parametrize("safe", ["", ","])
def test_encode_query_is_urlencode(params: dict[str, Any], safe: str) -> None:
    pairs = []
    for key, value in params.items():  # how the Singer SDK's HTTPRequest.encode_params expands them
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, item) for item in values if item is not None)
    for _ in range(2):  # the second time from the cache
        encoded = encode_query(params, safe)
        assert isinstance(encoded, EncodedQuery)
        assert encoded == urlencode(pairs, safe=safe)


@pytest.mark.parametrize(
    "params",
    [
        *TYPICAL_QUERIES,
        {"text": "naïve café & co / 100%", "tags": ["a b", "", 3], "blank": "", "none": None},
    ],
)
def test_drop_blank_gives_the_query_the_sdk_authenticator_sent(params: dict[str, Any]) -> None:
    """The SDK path: `HTTPRequest.encode_params` (safe ","), then its authenticator's parse and re-encode."""
    pairs = []
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, item) for item in values if item is not None)
    sent = urlencode(parse_qs(urlencode(pairs, safe=",")), doseq=True)
    assert encode_query(params, drop_blank=True) == sent


def test_true_and_one_are_not_confused_by_the_cache() -> None:
    assert encode_query({"a": 1}) == "a=1"
    assert encode_query({"a": True}) == "a=True"
    assert encode_query({"a": 1.0}) == "a=1.0"


def _response(body: bytes, content_type: str = "application/json; charset=UTF-8") -> AsanaResponse:
    response = AsanaResponse()
    response._content = body
    response.status_code = 200
    response.headers["Content-Type"] = content_type
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    return response


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"data": [{"gid": "1", "n": 1.5, "x": null, "t": true, "s": "caf\\u00e9 ☕"}]}'.encode(), None),
        (b'{"data": {"big": 1180591620717411303424, "small": -3, "e": 1e400}}', None),  # beyond 64 bits
        (b'{"data": {"value": NaN, "other": -Infinity}}', None),  # as the json library in use decides
        ('{"data": "ü"}'.encode("utf-16"), "application/json; charset=UTF-16"),
        ('{"data": "ü"}'.encode("utf-16-le"), "application/json"),  # no charset: requests guesses
        (b'{"data": [1, 2], "data": "last wins"}', None),
        (b"", None),
        (b"<html>bad gateway</html>", "text/html"),
        (b'{"data": [1, 2', None),
        (b"\xef\xbb\xbf{}", None),
    ],
)
def test_the_fast_decoding_gives_what_requests_gives(body: bytes, content_type: str | None) -> None:
    """The same objects for what requests' own decoding accepts, the same error for what it refuses."""
    response = _response(body, content_type or "application/json; charset=UTF-8")
    try:
        expected = json.dumps(requests.Response.json(response), sort_keys=True)
    except requests.exceptions.JSONDecodeError:
        for _ in range(2):
            with pytest.raises(requests.exceptions.JSONDecodeError):
                response.json()
        return
    assert json.dumps(response.json(), sort_keys=True) == expected


class _Token(requests.auth.AuthBase):
    """A bearer token that can change between requests, as a refreshed OAuth token does."""

    def __init__(self) -> None:
        self.token = "first"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _prepared_by_requests(
    session: requests.Session, url: str, query: str, headers: dict[str, str]
) -> requests.PreparedRequest:
    prepared = session.prepare_request(requests.Request("GET", url, headers=dict(headers)))
    prepared.url = f"{prepared.url}?{query}" if query else prepared.url
    return prepared


def _same_request(ours: requests.PreparedRequest, theirs: requests.PreparedRequest) -> None:
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
    assert list(ours.headers.items()) == list(theirs.headers.items())
    assert ours.hooks == theirs.hooks
    assert [(c.name, c.value, c.domain) for c in ours._cookies] == [
        (c.name, c.value, c.domain) for c in theirs._cookies
    ]
    assert ours._body_position == theirs._body_position


def _response_hook(response: requests.Response, **kwargs: Any) -> requests.Response:
    return response


BASE = "http://127.0.0.1:8080/api/1.0"
HEADERS = {"Accept": "application/json", "User-Agent": "tap-asana/test"}


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/tasks", "limit=100&opt_fields=name,notes"),
        ("/projects/1200000000000042/tasks", "limit=100&offset=eyJ0eXAi%3A"),
        ("", ""),
        ("/users/me", ""),
        ("/tasks/a b", "limit=1"),  # re-quoted by requests: not from the template
        ("/tasks/%41", "limit=1"),
        ("/../tasks", "limit=1"),  # dot segments are removed by requests: not from the template
        ("/tasks/./1", ""),
        ("/tasks/..", ""),
        ("/.hidden/..x/a.b", "limit=1"),  # dots within a segment stay
        ("/tasks", "a=%7E&b=%zz&c=~"),  # the query is sent as it is, by both ways
    ],
)
def test_prepare_get_is_what_prepare_request_gives(path: str, query: str) -> None:
    ours, theirs = AsanaSession(), AsanaSession()
    ours.auth = theirs.auth = _Token()
    for _ in range(2):  # the second from the template
        _same_request(
            ours.prepare_get(BASE, path, query, HEADERS),
            _prepared_by_requests(theirs, BASE + path, query, HEADERS),
        )


def test_prepare_get_uses_the_auth_of_each_request() -> None:
    session = AsanaSession()
    session.auth = token = _Token()
    first = session.prepare_get(BASE, "/tasks", "", HEADERS)
    token.token = "refreshed"
    second = session.prepare_get(BASE, "/tasks", "", HEADERS)
    assert (first.headers["Authorization"], second.headers["Authorization"]) == (
        "Bearer first",
        "Bearer refreshed",
    )
    second.headers["X-Extra"] = "1"  # a request's headers are its own, not the template's
    assert "X-Extra" not in session.prepare_get(BASE, "/tasks", "", HEADERS).headers


@pytest.mark.parametrize(
    "change",
    [
        "cookie",
        "params",
        "hook",
        "session_header",
        "header",
        "no_auth",
        "base_with_credentials",
        "base_not_normal",
    ],
)
def test_prepare_get_follows_every_session_setting(change: str) -> None:
    """Whatever the session adds to a request, the shortcut adds too (or leaves the request to requests)."""
    ours, theirs = AsanaSession(), AsanaSession()
    base, headers = BASE, dict(HEADERS)
    ours.auth = theirs.auth = _Token()
    ours.prepare_get(base, "/tasks", "limit=1", headers)  # a template made before the change
    for session in (ours, theirs):
        if change == "cookie":
            session.cookies.set("session", "abc", domain="127.0.0.1", path="/")
        elif change == "params":
            session.params = {"workspace": "1"}
        elif change == "hook":
            session.hooks["response"].append(_response_hook)
        elif change == "session_header":
            session.headers["X-Session"] = "yes"
        elif change == "no_auth":
            session.auth = None
    if change == "header":
        headers["Asana-Enable"] = "new_goal_memberships"
    elif change == "base_with_credentials":
        base = "http://user:secret@127.0.0.1:8080/api/1.0"
    elif change == "base_not_normal":
        base = "HTTP://127.0.0.1:8080/api/1.0"
    ours_request = ours.prepare_get(base, "/tasks", "limit=1", headers)
    theirs_request = _prepared_by_requests(theirs, base + "/tasks", "limit=1", headers)
    _same_request(ours_request, theirs_request)
    if change == "cookie":
        assert ours_request.headers["Cookie"] == "session=abc"
    if change == "hook":
        assert len(ours_request.hooks["response"]) == 1


def test_prepare_get_shares_nothing_mutable_and_caches_no_credentials() -> None:
    """Each request has its own headers, hooks and cookie jar; the template never held the token."""
    session = AsanaSession()
    session.auth = _Token()
    first = session.prepare_get(BASE, "/tasks", "", HEADERS)
    second = session.prepare_get(BASE, "/tasks", "", HEADERS)
    assert first.headers is not second.headers
    assert first.hooks is not second.hooks and first.hooks["response"] is not second.hooks["response"]
    assert first._cookies is not second._cookies and first._cookies is not session.cookies
    (template,) = session._get_templates.values()
    assert "Authorization" not in template.headers
    assert all("first" not in str(part) for part in session._get_templates)


def test_prepare_get_takes_the_template_when_it_can(monkeypatch: pytest.MonkeyPatch) -> None:
    session = AsanaSession()
    session.auth = _Token()

    def refuse(request: requests.Request) -> requests.PreparedRequest:
        raise AssertionError(f"prepare_request called for {request.url}")

    monkeypatch.setattr(session, "prepare_request", refuse)
    assert session.prepare_get(BASE, "/tasks/1/stories", "limit=100", HEADERS).url == (
        f"{BASE}/tasks/1/stories?limit=100"
    )
