"""GETs sent through libcurl (pycurl) instead of urllib3: the same `requests` response for a fifth of the CPU.

A sync sends tens of thousands of small GETs; `urllib3` and `http.client` spend some 400 µs of CPU on each
(the URL validated character by character, the headers parsed by the `email` package, three layers of
objects), libcurl about 100 (`python -m benchmarks.http_stack`). `CurlAdapter` is a `requests` transport
adapter: the session, its auth, hooks, redirects and cookies work as with `HTTPAdapter`; only the wire
moves. It serves a GET without a body whose answer is read whole, with no proxy and no client
certificate; anything else (writes, uploads, a proxy from the settings or the environment, `stream=True`)
goes to `HTTPAdapter` as before.

What `HTTPAdapter` does that libcurl is set to do the same way: TLS verified against the same CA bundle
(`verify=` a path or a false value honoured); the request's headers sent as they are, `Accept-Encoding`
included, and the answer decoded by urllib3's own decoders (so what urllib3 decodes, passes through or
refuses, this does too); kept-alive connections (one libcurl handle per thread, so per-thread
connections, reused and reopened when the server closed them); HTTP/1.1; no redirect followed by the
transport (the session follows them); connect and read timeouts (the read timeout as "under one byte a
second for that many seconds", rounded up to whole seconds); failures raised as the `requests` exceptions
the retry policy knows; a signal (SIGTERM, Ctrl-C) handled within a second during a transfer, as between
two reads of a socket. Where Python's TLS has been changed to trust other roots (`truststore`, a patched
`ssl.SSLContext`), libcurl's own OpenSSL would not see it: HTTPS then goes through urllib3.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import math
import os
import ssl
import threading
import warnings
from collections.abc import Mapping
from typing import Any

import pycurl
import requests
import urllib3
from requests.adapters import DEFAULT_CA_BUNDLE_PATH
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, select_proxy
from urllib3.util import ssl_

from asana_client.transport import CURL_ERROR_PREFIX, AsanaAdapter, AsanaResponse, NeverConnectedError

_STDLIB_SSL_CONTEXT = ssl.SSLContext  # as imported, before anything could replace it

#: libcurl's codes, by the `requests` exception the same failure raises through urllib3.
_NEVER_CONNECTED = frozenset({pycurl.E_COULDNT_RESOLVE_HOST, pycurl.E_COULDNT_CONNECT})
_TLS = frozenset(
    getattr(pycurl, name)
    for name in (
        "E_SSL_CONNECT_ERROR",
        "E_PEER_FAILED_VERIFICATION",
        "E_SSL_CACERT",
        "E_SSL_CACERT_BADFILE",
        "E_SSL_CERTPROBLEM",
        "E_SSL_CIPHER",
        "E_SSL_ENGINE_NOTFOUND",
        "E_SSL_ENGINE_SETFAILED",
        "E_SSL_CRL_BADFILE",
        "E_SSL_ISSUER_ERROR",
        "E_SSL_SHUTDOWN_FAILED",
        "E_SSL_PINNEDPUBKEYNOTMATCH",
        "E_SSL_INVALIDCERTSTATUS",
        "E_USE_SSL_FAILED",
    )
    if hasattr(pycurl, name)
)
_TRUNCATED = frozenset({pycurl.E_PARTIAL_FILE})
_BAD_ENCODING = frozenset({pycurl.E_BAD_CONTENT_ENCODING})


class CurlAdapter(AsanaAdapter):
    """A `requests` adapter that sends plain GETs with libcurl and everything else with `HTTPAdapter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()
        self._handles: list[pycurl.Curl] = []
        self._handles_lock = threading.Lock()
        self._generation = 0

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = request.url or ""
        if (
            request.method != "GET"
            or request.body is not None
            or stream
            or cert is not None
            or not url.startswith(("https://", "http://"))
            or (url.startswith("https://") and _python_tls_changed())
            or not _plain_timeout(timeout)
            or (proxies and select_proxy(url, dict(proxies)) is not None)
        ):
            return super().send(request, stream, timeout, verify, cert, proxies)
        return self._perform(request, url, timeout, verify)

    def close(self) -> None:
        with self._handles_lock:
            handles, self._handles = self._handles, []
            self._generation += 1  # each thread makes a new handle if the session is used again
        for handle in handles:
            with contextlib.suppress(pycurl.error):  # in use by another thread: freed with its last reference
                handle.close()
        super().close()

    def _handle(self) -> pycurl.Curl:
        handle: pycurl.Curl | None = getattr(self._local, "handle", None)
        if handle is None or self._local.generation != self._generation:
            handle = pycurl.Curl()
            handle.setopt(pycurl.NOSIGNAL, 1)  # threads: no SIGALRM for name lookups
            handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
            handle.setopt(pycurl.PROXY, "")  # `requests` decided: no proxy (else HTTPAdapter sends it)
            handle.setopt(pycurl.FOLLOWLOCATION, 0)
            handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
            handle.setopt(pycurl.HTTP_CONTENT_DECODING, 0)  # urllib3's decoders decode (`_decoded`)
            if threading.current_thread() is threading.main_thread():
                # A Python call now and then during a transfer: a signal's handler (the SDK's on SIGTERM,
                # Ctrl-C's) runs there, and the exit it raises ends the transfer. Only the main thread
                # runs signal handlers: the workers' transfers need no such call (~10 a request).
                handle.setopt(pycurl.NOPROGRESS, 0)
                handle.setopt(pycurl.XFERINFOFUNCTION, _carry_on)
            self._local.handle = handle
            self._local.generation = self._generation
            with self._handles_lock:
                self._handles.append(handle)
        return handle

    def _perform(
        self, request: requests.PreparedRequest, url: str, timeout: Any, verify: bool | str
    ) -> requests.Response:
        handle = self._handle()
        body = io.BytesIO()
        header_lines: list[bytes] = []
        handle.setopt(pycurl.URL, url)
        handle.setopt(pycurl.HTTPGET, 1)
        handle.setopt(pycurl.HTTPHEADER, _curl_headers(request.headers))
        handle.setopt(pycurl.WRITEFUNCTION, body.write)
        handle.setopt(pycurl.HEADERFUNCTION, header_lines.append)
        _set_timeouts(handle, timeout)
        if url.startswith("https://"):
            _set_verify(handle, verify)
        try:
            handle.perform()
        except pycurl.error as exc:
            raise _requests_error(handle, exc, request) from None
        finally:  # the handle outlives the request: it must not keep the body alive
            handle.setopt(pycurl.WRITEFUNCTION, _discard)
            handle.setopt(pycurl.HEADERFUNCTION, _discard)
        return self._response(request, handle.getinfo(pycurl.RESPONSE_CODE), header_lines, body.getvalue())

    def _response(
        self, request: requests.PreparedRequest, status: int, header_lines: list[bytes], content: bytes
    ) -> requests.Response:
        reason, block = _last_header_block(header_lines)
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        has_cookies = False
        for line in block:
            name, _, value = line.decode("iso-8859-1").partition(":")
            name, value = name.strip(), value.strip()
            if not name:
                continue
            has_cookies = has_cookies or name.lower() == "set-cookie"
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        if headers.get("Content-Encoding", "identity").lower() != "identity":
            content = _decoded(content, headers, status, request)
        response = AsanaResponse()
        response.status_code = status
        response.reason = reason
        response.headers = headers
        response.encoding = get_encoding_from_headers(headers)
        response.url = request.url or ""
        response.request = request
        response.connection = self
        response._content = content
        response._content_consumed = True  # type: ignore[attr-defined]
        response.raw = _Body(content, _message(block) if has_cookies else None)
        if has_cookies:
            extract_cookies_to_jar(response.cookies, request, response.raw)
        return response


class _Body(io.BytesIO):
    """`Response.raw`: the body already read, and the header block `requests` reads cookies from."""

    def __init__(self, content: bytes, message: http.client.HTTPMessage | None) -> None:
        super().__init__(content)
        self._original_response = _Original(message) if message is not None else None

    def read(self, amt: int | None = None, decode_content: bool | None = None, **_: Any) -> bytes:
        return super().read(amt)

    def release_conn(self) -> None:
        """Nothing to release: libcurl keeps the connection."""


class _Original:
    """What `requests.cookies.extract_cookies_to_jar` reads of an `http.client` response."""

    def __init__(self, message: http.client.HTTPMessage) -> None:
        self.msg = message


def _message(block: list[bytes]) -> http.client.HTTPMessage:
    return http.client.parse_headers(io.BytesIO(b"".join(block) + b"\r\n"))


def _curl_headers(headers: Mapping[str, str | bytes]) -> list[bytes]:
    """The request's header lines as http.client sends them (Latin-1, bytes as they are), for libcurl."""
    lines = []
    for name, value in headers.items():
        raw = value if isinstance(value, bytes) else str(value).encode("latin-1")
        # `Name;` is libcurl's way of sending a header with no value (`Name:` would remove it)
        lines.append(name.encode("latin-1") + (b": " + raw if raw else b";"))
    names = {name.lower() for name in headers}
    if "accept" not in names:
        lines.append(b"Accept:")  # libcurl's own `*/*` is one header urllib3 does not send
    if "accept-encoding" not in names:
        lines.append(b"Accept-Encoding: identity")  # as http.client adds it
    return lines


def _decoded(
    content: bytes, headers: Mapping[str, str], status: int, request: requests.PreparedRequest
) -> bytes:
    """The body as urllib3 gives it: decoded where it knows the `Content-Encoding`, as it is otherwise."""
    try:
        return urllib3.HTTPResponse(
            body=io.BytesIO(content),
            headers=headers,
            status=status,
            preload_content=True,
            decode_content=True,
        ).data
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc, request=request) from None


def _carry_on(*_: Any) -> int:
    return 0  # libcurl's "go on"; a pending signal handler has run by now


def _discard(data: bytes) -> None:
    """Where a handle writes when no request is in progress."""


def _plain_timeout(timeout: Any) -> bool:
    """A timeout this adapter maps: none, seconds, or a (connect, read) pair (urllib3's `Timeout` objects
    and their `total` go to urllib3)."""
    return timeout is None or isinstance(timeout, int | float | tuple)


def _python_tls_changed() -> bool:
    """Whether Python's TLS was made to trust something else than its CA bundle (`truststore`'s
    `inject_into_ssl`, a subclass of `ssl.SSLContext`): libcurl's OpenSSL would not."""
    return ssl.SSLContext is not _STDLIB_SSL_CONTEXT or ssl_.SSLContext is not _STDLIB_SSL_CONTEXT


def _last_header_block(lines: list[bytes]) -> tuple[str, list[bytes]]:
    """The reason phrase and header lines of the final answer (after any `100 Continue`)."""
    start = 0
    for index, line in enumerate(lines):
        if line.startswith(b"HTTP/"):
            start = index
    status_line = lines[start].decode("iso-8859-1").strip() if lines else ""
    parts = status_line.split(" ", 2)
    reason = parts[2] if len(parts) > 2 else ""
    return reason, [line for line in lines[start + 1 :] if line.strip()]


def _set_timeouts(handle: pycurl.Curl, timeout: Any) -> None:
    connect, read = _timeout_pair(timeout)
    handle.setopt(pycurl.CONNECTTIMEOUT_MS, 0 if connect is None else max(1, math.ceil(connect * 1000)))
    # `requests`' read timeout is the longest wait for a byte; libcurl's closest is "under 1 byte/s for N s".
    handle.setopt(pycurl.LOW_SPEED_LIMIT, 0 if read is None else 1)
    handle.setopt(pycurl.LOW_SPEED_TIME, 0 if read is None else max(1, math.ceil(read)))


def _timeout_pair(timeout: Any) -> tuple[float | None, float | None]:
    if isinstance(timeout, tuple):
        connect, read = timeout
        return connect, read
    return timeout, timeout


def _set_verify(handle: pycurl.Curl, verify: bool | str) -> None:
    if not verify:  # False, None or "": HTTPAdapter does not verify either
        warnings.warn(  # as urllib3 warns on every unverified request
            "Unverified HTTPS request: certificate verification is off (verify=False)",
            urllib3.exceptions.InsecureRequestWarning,
            stacklevel=2,
        )
        handle.setopt(pycurl.SSL_VERIFYPEER, 0)
        handle.setopt(pycurl.SSL_VERIFYHOST, 0)
        return
    handle.setopt(pycurl.SSL_VERIFYPEER, 1)
    handle.setopt(pycurl.SSL_VERIFYHOST, 2)
    bundle = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    if os.path.isdir(bundle):
        handle.setopt(pycurl.CAPATH, bundle)
        handle.unsetopt(pycurl.CAINFO)
    else:
        if not os.path.exists(bundle):  # as HTTPAdapter.cert_verify says it
            raise OSError(f"Could not find a suitable TLS CA certificate bundle, invalid path: {bundle}")
        handle.setopt(pycurl.CAINFO, bundle)
        handle.unsetopt(pycurl.CAPATH)


def _requests_error(
    handle: pycurl.Curl, exc: pycurl.error, request: requests.PreparedRequest
) -> requests.exceptions.RequestException:
    code = exc.args[0] if exc.args else None
    message = f"{CURL_ERROR_PREFIX} {code}: {exc.args[1] if len(exc.args) > 1 else ''}"
    if code == pycurl.E_OPERATION_TIMEDOUT:
        # CONNECT_TIME is 0 on a reused connection: a request that was sent was connected.
        connected = handle.getinfo(pycurl.CONNECT_TIME) > 0 or handle.getinfo(pycurl.REQUEST_SIZE) > 0
        timeout_type = requests.exceptions.ReadTimeout if connected else requests.exceptions.ConnectTimeout
        return timeout_type(message, request=request)
    error_type: type[requests.exceptions.RequestException]
    if code in _NEVER_CONNECTED:
        error_type = NeverConnectedError
    elif code in _TLS:
        error_type = requests.exceptions.SSLError
    elif code in _TRUNCATED:
        error_type = requests.exceptions.ChunkedEncodingError
    elif code in _BAD_ENCODING:
        error_type = requests.exceptions.ContentDecodingError
    else:
        error_type = requests.exceptions.ConnectionError
    return error_type(message, request=request)
