"""asana_client.curl_transport: libcurl gives the session the answer, and the failure, urllib3 gives.

Each case sends the same GET through `AsanaSession(transport="requests")` and `transport="curl"` to a
server on loopback and compares what a caller sees.
"""

from __future__ import annotations

import gzip
import json
import signal
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import trustme
import urllib3

from asana_client.curl_transport import CurlAdapter
from asana_client.retry import RETRIABLE_EXCEPTIONS, describe, never_connected
from asana_client.transport import AsanaAdapter, AsanaResponse, AsanaSession

TOKEN = "0/secret-token-never-shown"
BODY = json.dumps({"data": [{"gid": "1", "name": "Ünïcode"}], "next_page": None}).encode()


class Asana(BaseHTTPRequestHandler):
    """Answers GETs by path; HTTP/1.1, so connections are kept alive unless a case closes them."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))  # type: ignore[attr-defined]
        route = urlsplit(self.path).path  # a proxy's request line holds the absolute URL
        if route == "/json":
            self._answer(200, BODY, ("X-Multi", "a"), ("X-Multi", "b"), ("Set-Cookie", "lb=7; Path=/"))
        elif route == "/missing":
            self._answer(404, b'{"errors": [{"message": "Not a recognized ID"}]}')
        elif route == "/redirect":
            self._answer(302, b"", ("Location", "/json?from=redirect"))
        elif route == "/gzip":
            wants = "gzip" in self.headers.get("Accept-Encoding", "")
            body = gzip.compress(BODY) if wants else BODY
            self._answer(200, body, *([("Content-Encoding", "gzip")] if wants else []))
        elif route == "/gzip-unasked":
            self._answer(200, gzip.compress(BODY), ("Content-Encoding", "gzip"))
        elif route == "/unknown-encoding":
            self._answer(200, BODY, ("Content-Encoding", "utf-8"))
        elif route == "/broken-gzip":
            self._answer(200, BODY, ("Content-Encoding", "gzip"))
        elif route == "/stall":  # answers once the test lets it (or gives up)
            self.server.release.wait(10)  # type: ignore[attr-defined]
            self._answer(200, BODY)
        elif route == "/latin1":
            self._answer(200, "café".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1")
        elif route == "/slow":
            time.sleep(2.5)
            self._answer(200, BODY)
        elif route == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(BODY[:20])
            self.close_connection = True
        elif route == "/drop":  # answers, then drops the kept-alive connection without saying so
            self._answer(200, BODY)
            self.close_connection = True
        else:
            self._answer(500, b"{}")

    def _answer(
        self, status: int, body: bytes, *headers: tuple[str, str], content_type: str = "application/json"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.connections = 0
        self.release = threading.Event()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)


def _serve(server: CountingServer) -> Iterator[CountingServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def asana() -> Iterator[CountingServer]:
    yield from _serve(CountingServer(("127.0.0.1", 0), Asana))


@pytest.fixture(scope="module")
def tls() -> Iterator[tuple[CountingServer, trustme.CA]]:
    ca = trustme.CA()
    server = CountingServer(("127.0.0.1", 0), Asana)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    for running in _serve(server):
        yield running, ca  # type: ignore[misc]


@pytest.fixture
def sent_by_urllib3(monkeypatch: pytest.MonkeyPatch) -> list[requests.PreparedRequest]:
    """The requests `HTTPAdapter.send` (urllib3) sends from now on, in order."""
    sent: list[requests.PreparedRequest] = []
    original = AsanaAdapter.send

    def spy(self: AsanaAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        sent.append(request)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(AsanaAdapter, "send", spy)
    return sent


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def _base(server: ThreadingHTTPServer, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{server.server_address[1]}"


def _get(session: AsanaSession, url: str, **kwargs: Any) -> requests.Response:
    request = requests.Request("GET", url, headers={"Authorization": f"Bearer {TOKEN}"})
    return session.send(session.prepare_request(request), **{"timeout": 10, **kwargs})


def _sessions() -> tuple[AsanaSession, AsanaSession]:
    return AsanaSession(transport="requests"), AsanaSession(transport="curl")


def _seen_by_caller(response: requests.Response) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in ("date", "server")}
    return {
        "type": type(response),
        "status": response.status_code,
        "reason": response.reason,
        "ok": response.ok,
        "headers": headers,
        "content": response.content,
        "text": response.text,
        "encoding": response.encoding,
        "url": response.url,
        "history": [(r.status_code, r.headers.get("Location")) for r in response.history],
        "cookies": response.cookies.get_dict(),
    }


PATHS = ["/json?limit=1&opt_fields=a,b.c", "/missing", "/redirect", "/gzip", "/latin1"]


@pytest.mark.parametrize("path", PATHS)
def test_the_caller_sees_the_same_answer_through_either_transport(asana: CountingServer, path: str) -> None:
    ours, theirs = _sessions()
    by_requests, by_curl = _get(ours, _base(asana) + path), _get(theirs, _base(asana) + path)
    assert _seen_by_caller(by_curl) == _seen_by_caller(by_requests)
    if by_requests.headers.get("Content-Type", "").startswith("application/json"):
        assert by_curl.json() == by_requests.json()
    # the session's cookie jar, as `requests` fills it, and what the next request sends
    assert theirs.cookies.get_dict() == ours.cookies.get_dict()
    assert isinstance(theirs.get_adapter(_base(asana)), CurlAdapter)
    assert not isinstance(ours.get_adapter(_base(asana)), CurlAdapter)


def test_the_server_sees_the_same_request_through_either_transport(asana: CountingServer) -> None:
    ours, theirs = _sessions()
    url = _base(asana) + "/json?workspace=1&opt_fields=name,custom_fields.enum_value.name"
    _get(ours, url)
    _get(theirs, url)
    (path_requests, headers_requests), (path_curl, headers_curl) = asana.seen
    assert path_curl == path_requests
    assert headers_curl == headers_requests  # Host, User-Agent, Accept-Encoding, Accept, Connection, auth


@pytest.mark.parametrize("route", ["/gzip", "/gzip-unasked", "/unknown-encoding"])
def test_answers_are_decoded_as_urllib3_decodes_them(asana: CountingServer, route: str) -> None:
    """What urllib3 decodes (gzip, asked for or not), passes through (an encoding it does not know) or
    refuses (a broken body), with the request's `Accept-Encoding` or without one."""
    for drop_accept_encoding in (False, True):
        seen = []
        for session in _sessions():
            if drop_accept_encoding:
                del session.headers["Accept-Encoding"]
            seen.append(_seen_by_caller(_get(session, _base(asana) + route)))
            seen.append(asana.seen[-1][1])
        assert seen[2:] == seen[:2]
    assert _get(_sessions()[1], _base(asana) + "/gzip").json()["data"][0]["gid"] == "1"


def test_a_broken_gzip_body_is_a_content_decoding_error(asana: CountingServer) -> None:
    for session in _sessions():
        with pytest.raises(requests.exceptions.ContentDecodingError) as broken:
            _get(session, _base(asana) + "/broken-gzip")
        assert isinstance(broken.value, RETRIABLE_EXCEPTIONS)


def test_header_values_are_sent_as_http_client_sends_them(asana: CountingServer) -> None:
    for session in _sessions():
        session.headers["User-Agent"] = "tap-asana (Müller GmbH)"
        session.headers["X-Bytes"] = b"raw"  # type: ignore[assignment]
        session.headers["X-Empty"] = ""
        _get(session, _base(asana) + "/json")
    assert asana.seen[-1][1] == asana.seen[-2][1]
    assert asana.seen[-1][1]["User-Agent"] == "tap-asana (Müller GmbH)"
    assert asana.seen[-1][1]["X-Bytes"] == "raw" and asana.seen[-1][1]["X-Empty"] == ""


def test_connections_are_kept_alive_and_reopened_when_the_server_drops_them(asana: CountingServer) -> None:
    _, session = _sessions()
    for _ in range(3):
        assert _get(session, _base(asana) + "/json").status_code == 200
    assert asana.connections == 1
    for _ in range(3):  # the server closes each connection after answering: the next request reconnects
        assert _get(session, _base(asana) + "/drop").status_code == 200
    assert asana.connections == 3


def test_tls_is_verified_against_the_bundle_requests_would_use(
    tls: tuple[CountingServer, trustme.CA], tmp_path: Path
) -> None:
    server, ca = tls
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    url = _base(server, "https") + "/json"
    for session in _sessions():
        assert _get(session, url, verify=str(bundle)).json()["data"][0]["gid"] == "1"
        with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
            assert _get(session, url, verify=False).status_code == 200
        with pytest.raises(requests.exceptions.SSLError) as refused:  # certifi's bundle: unknown CA
            _get(session, url)
        assert TOKEN not in str(refused.value)
        with pytest.raises(OSError, match="invalid path"):
            _get(session, url, verify=str(tmp_path / "no-such-bundle.pem"))
    for session in _sessions():  # fresh: urllib3 keeps a pool opened with verify=None for later requests
        with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
            assert _get(session, url, verify=None).status_code == 200  # type: ignore[arg-type]


@pytest.mark.parametrize("warm", [False, True], ids=["new connection", "kept-alive connection"])
def test_a_silent_server_is_a_read_timeout(asana: CountingServer, warm: bool) -> None:
    for session in _sessions():
        if warm:
            _get(session, _base(asana) + "/json")
        with pytest.raises(requests.exceptions.ReadTimeout) as timed_out:
            _get(session, _base(asana) + "/slow", timeout=(5, 1))
        assert not isinstance(timed_out.value, requests.exceptions.ConnectTimeout)
        assert isinstance(timed_out.value, RETRIABLE_EXCEPTIONS)
        assert not never_connected(timed_out.value)


def test_a_signal_during_a_transfer_is_handled_in_it(asana: CountingServer) -> None:
    """The SDK stops on SIGTERM from its signal handler: the handler runs while the answer is awaited
    (and its exception ends the transfer), not once the answer came."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # as Python's SIGINT handler; the SDK's SIGTERM handler raises SystemExit

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        for session in _sessions():
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with pytest.raises(KeyboardInterrupt):  # not the ReadTimeout of a handler run after the transfer
                _get(session, _base(asana) + "/stall", timeout=(5, 5))
            signal.setitimer(signal.ITIMER_REAL, 0)
            assert _get(session, _base(asana) + "/json").status_code == 200  # the session still works
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_refused_connection_never_connected(asana: CountingServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    for session in _sessions():
        with pytest.raises(requests.exceptions.ConnectionError) as refused:
            _get(session, f"http://127.0.0.1:{closed_port}/json")
        assert never_connected(refused.value)
        assert describe(refused.value) == "ConnectionError"
        assert isinstance(refused.value, RETRIABLE_EXCEPTIONS)


def test_a_truncated_body_is_a_retriable_broken_body(asana: CountingServer) -> None:
    for session in _sessions():
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            _get(session, _base(asana) + "/truncated")


def test_writes_streams_and_proxies_go_through_urllib3(
    asana: CountingServer, monkeypatch: pytest.MonkeyPatch, sent_by_urllib3: list[requests.PreparedRequest]
) -> None:
    _, session = _sessions()
    adapter = session.get_adapter(_base(asana))
    session.post(_base(asana) + "/json", json={"data": {}}, timeout=10)  # 501 from this server: no do_POST
    streamed = session.get(_base(asana) + "/json", stream=True, timeout=10)
    assert streamed.raw.read() == BODY
    assert [request.method for request in sent_by_urllib3] == ["POST", "GET"]
    _get(session, _base(asana) + "/json")
    assert len(sent_by_urllib3) == 2  # a plain GET: libcurl
    # A proxy in the environment: `requests` resolves it and urllib3 sends through it (here the test
    # server plays the proxy and sees the absolute URL).
    monkeypatch.setenv("HTTP_PROXY", _base(asana))
    proxied = AsanaSession(transport="curl")
    assert _get(proxied, "http://asana.proxied.invalid/json").status_code == 200
    assert asana.seen[-1][0] == "http://asana.proxied.invalid/json"
    assert sent_by_urllib3[-1].url == "http://asana.proxied.invalid/json"
    assert isinstance(adapter, CurlAdapter)


def test_each_thread_has_its_handle_and_close_releases_them(asana: CountingServer) -> None:
    _, session = _sessions()
    adapter = session.get_adapter(_base(asana))
    assert isinstance(adapter, CurlAdapter)
    answers: list[int] = []

    def fetch() -> None:
        answers.append(_get(session, _base(asana) + "/json").status_code)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 4
    assert len(adapter._handles) == 4
    session.close()
    assert adapter._handles == []
    assert _get(session, _base(asana) + "/json").status_code == 200  # as a closed requests session does
    assert len(adapter._handles) == 1


def test_what_libcurl_would_do_otherwise_goes_through_urllib3(
    tls: tuple[CountingServer, trustme.CA],
    asana: CountingServer,
    monkeypatch: pytest.MonkeyPatch,
    sent_by_urllib3: list[requests.PreparedRequest],
) -> None:
    """A urllib3 `Timeout` object, and HTTPS once Python's TLS trusts something else (truststore's
    `inject_into_ssl` replaces `ssl.SSLContext` and urllib3's), which libcurl's OpenSSL would not see."""
    server, _ = tls
    _, session = _sessions()
    _get(session, _base(asana) + "/json", timeout=urllib3.Timeout(total=5))
    assert len(sent_by_urllib3) == 1
    _get(session, _base(server, "https") + "/json", verify=False)
    assert len(sent_by_urllib3) == 1  # plain TLS: libcurl

    class InjectedContext(ssl.SSLContext):
        pass

    # truststore replaces the class in `ssl` and in urllib3; urllib3's is the one its connections use
    monkeypatch.setattr(urllib3.util.ssl_, "SSLContext", InjectedContext)
    with pytest.raises(requests.exceptions.SSLError):  # urllib3's own refusal of the unknown CA
        _get(session, _base(server, "https") + "/json")
    assert len(sent_by_urllib3) == 2
    _get(session, _base(asana) + "/json")  # plain HTTP has no TLS to trust: libcurl
    assert len(sent_by_urllib3) == 2


def test_the_responses_decode_once_like_the_other_transport(asana: CountingServer) -> None:
    _, session = _sessions()
    response = _get(session, _base(asana) + "/json")
    assert isinstance(response, AsanaResponse)
    assert response.json() is response.json()
    assert next(iter(response.iter_content(7))) == BODY[:7]
    assert response.raw.read() == BODY
    response.close()


def test_the_plugins_pick_the_transport_from_the_setting() -> None:
    from asana_client.client import AsanaClient

    for setting, expected in ((None, CurlAdapter), ("curl", CurlAdapter), ("requests", AsanaAdapter)):
        config = {"access_token": TOKEN, **({"http_transport": setting} if setting else {})}
        client = AsanaClient.from_config(config)
        adapter = client._session.get_adapter("https://app.asana.com/api/1.0")
        assert type(adapter) is expected
        client.close()


def test_without_pycurl_the_gets_go_through_urllib3_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, asana: CountingServer
) -> None:
    import sys

    from asana_client import transport

    monkeypatch.setitem(sys.modules, "asana_client.curl_transport", None)  # import fails
    monkeypatch.setattr(transport, "_curl_missing_warned", threading.Event())
    sessions = [AsanaSession(transport="curl") for _ in range(3)]
    assert all(type(s.get_adapter(_base(asana))) is AsanaAdapter for s in sessions)
    assert _get(sessions[0], _base(asana) + "/json").json()["data"][0]["gid"] == "1"
    warnings = [r for r in caplog.records if "pycurl cannot be loaded" in r.getMessage()]
    assert len(warnings) == 1 and "http_transport: requests" in warnings[0].getMessage()


def test_a_tls_failure_in_libcurl_says_how_to_use_pythons_tls_instead(
    tls: tuple[CountingServer, trustme.CA],
) -> None:
    from asana_client.retry import exhausted

    server, _ = tls
    for session in _sessions():
        with pytest.raises(requests.exceptions.SSLError) as refused:
            _get(session, _base(server, "https") + "/json")
        message = str(exhausted("GET /workspaces", {"exception": refused.value, "tries": 3}))
        assert "last error: SSLError" in message and TOKEN not in message
        assert ("`http_transport: requests`" in message) == isinstance(
            session.get_adapter(str(refused.value.request.url)), CurlAdapter
        )
