"""HTTP plumbing that costs per request: proxy settings resolved once per host, a body decoded once, a GET
prepared from a template.

`requests.Session.send` looks the proxy settings up in the environment (`HTTP(S)_PROXY`, `NO_PROXY`, ...)
on every request, scanning the whole environment several times, and a sync sends tens of thousands of
requests to one host: `AsanaSession` resolves them once per scheme and host, exactly as `requests` would,
so a user behind a proxy is still served through it. A page's body is read by the error checks, the
paginator and the stream: `AsanaResponse.json()` decodes it once, with msgspec when it is installed
(`singer-sdk[msgspec]`; 3-4x faster than `json` on Asana's pages, which was a fifth of the tap's CPU).
`Session.prepare_request` merges cookies, headers, parameters and hooks and parses the URL again for each
request (an eighth of the tap's CPU on a bench sync): `AsanaSession.prepare_get` prepares what it would
from a template made once per base URL and headers, whenever the result is provably the same.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.hooks import default_hooks
from requests.sessions import merge_setting
from requests.structures import CaseInsensitiveDict
from requests.utils import resolve_proxies

try:
    import msgspec.json

    _fast_decode: Any = msgspec.json.Decoder().decode
except ImportError:  # an environment installed before the dependency: the standard decoder
    _fast_decode = None

_UNSET = object()
#: Encodings msgspec reads (it takes UTF-8 bytes); `requests` decodes any other.
_UTF8 = frozenset({"utf-8", "utf8"})
#: A path `requests` leaves exactly as it is when preparing a URL: unreserved characters and slashes, and
#: no `.` or `..` segment (urllib3 removes those).
_PLAIN_PATH = re.compile(r"(?:/(?!\.\.?(?:/|\Z))[A-Za-z0-9._~-]*)*\Z")


#: How the messages of failures met by libcurl begin (`curl_transport.py`).
CURL_ERROR_PREFIX = "libcurl error"


class NeverConnectedError(requests.exceptions.ConnectionError):
    """No connection could be opened (unknown host, refused): the request never left."""


class AsanaResponse(requests.Response):
    """A `requests.Response` whose `json()` (without arguments) decodes the body once.

    Every caller gets the same decoded object: readers must not mutate what another reader still needs
    (the stream mutates its records; the checks and the paginator only read). A body that is not JSON
    raises on every call, as before.

    The fast decoder gives the same objects as `json` for any body it accepts; what it refuses (a body
    not in UTF-8, `NaN`, integers beyond 64 bits, broken JSON) goes to `requests`' own decoding, which
    accepts or raises exactly as before.
    """

    _decoded: Any = _UNSET

    def json(self, **kwargs: Any) -> Any:
        if kwargs:  # e.g. parse_float=Decimal: a different decoding, not cached
            return super().json(**kwargs)
        if self._decoded is _UNSET:
            self._decoded = self._decode()
        return self._decoded

    def forget_decoded(self) -> None:
        """Drop the decoded body (the next `json()` decodes the bytes again): for an answer kept a while
        before it is read, whose decoded form takes some four times the bytes."""
        self.__dict__.pop("_decoded", None)

    def _decode(self) -> Any:
        encoding = (self.encoding or "utf-8").lower()
        if _fast_decode is not None and encoding in _UTF8:
            try:
                return _fast_decode(self.content)
            except (ValueError, TypeError):  # msgspec.DecodeError is a ValueError
                pass
        return super().json()


class AsanaAdapter(HTTPAdapter):
    """Builds `AsanaResponse`s."""

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        response.__class__ = AsanaResponse  # same layout, one method more: no copy of the response
        return response


class AsanaSession(requests.Session):
    """A `requests.Session` that resolves the environment's proxy settings once per origin, and sends its
    GETs with libcurl when `transport="curl"` (`asana_client/curl_transport.py`).

    What is cached is what `send` would have computed (`resolve_proxies` with this session's `proxies`
    and `trust_env`), keyed by scheme, host and port and by those two; a caller passing `proxies=` is left
    alone. The environment is read when an origin is first requested: later changes are not seen.
    """

    def __init__(self, transport: str = "requests") -> None:
        super().__init__()
        self._proxies_by_origin: dict[tuple[Any, ...], dict[str, str]] = {}
        self._proxies_lock = threading.Lock()
        self._get_templates: dict[tuple[Any, ...], requests.PreparedRequest] = {}
        adapter_type: type[AsanaAdapter] = AsanaAdapter
        if transport == "curl":
            adapter_type = _curl_adapter() or AsanaAdapter
        for prefix in ("https://", "http://"):
            self.mount(prefix, adapter_type())

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if "proxies" not in kwargs:
            kwargs["proxies"] = self.proxies_for(request)
        return super().send(request, **kwargs)

    def proxies_for(self, request: requests.PreparedRequest) -> dict[str, str]:
        """The proxies `requests` would use for `request` (a copy, so no caller can change the cache)."""
        # The session's own settings are part of the key: a caller may change them between requests.
        key = (_origin(str(request.url)), self.trust_env, tuple(sorted((self.proxies or {}).items())))
        proxies = self._proxies_by_origin.get(key)
        if proxies is None:
            with self._proxies_lock:
                proxies = resolve_proxies(request, dict(self.proxies or {}), self.trust_env)
                self._proxies_by_origin[key] = proxies
        return dict(proxies)

    def prepare_get(
        self, base: str, path: str, query: str, headers: Mapping[str, str]
    ) -> requests.PreparedRequest:
        """`prepare_request` of a GET of `base + path` with `headers`, then `?query` appended as it is.

        Taken from a template when the session adds nothing per request that the template does not hold:
        a callable `auth` (applied to each request, so a refreshed token is used), no cookies, no default
        parameters, no response hooks, a path `requests` would not re-quote and a base it prepares to
        itself. Anything else goes through `prepare_request`.
        """
        template = None
        if (
            callable(self.auth)  # not None, not a (user, password) tuple
            and not self.params
            and not any(self.hooks.values())
            and not self.cookies
            and _PLAIN_PATH.match(path)
        ):
            template = self._get_template(base, headers)
        if template is None:
            prepared = self.prepare_request(requests.Request("GET", base + path, headers=dict(headers)))
        else:
            prepared = requests.PreparedRequest()
            prepared.method = "GET"
            prepared.url = base + path
            prepared.headers = template.headers.copy()
            prepared._cookies = RequestsCookieJar()  # type: ignore[attr-defined]  # as `prepare_cookies` leaves it
            prepared.hooks = default_hooks()
            prepared.prepare_auth(self.auth)
        if query:
            prepared.url = f"{prepared.url}?{query}"
        return prepared

    def _get_template(self, base: str, headers: Mapping[str, str]) -> requests.PreparedRequest | None:
        """A GET of `base` with the merged headers and no auth, made once per base and headers; None when
        `requests` would not prepare `base` to itself."""
        key = (base, tuple(headers.items()), tuple(self.headers.items()))
        template = self._get_templates.get(key)
        if template is None:
            template = requests.PreparedRequest()
            template.prepare(
                method="GET",
                url=base,
                headers=merge_setting(headers, self.headers, dict_class=CaseInsensitiveDict),
                auth=_no_auth,  # credentials in the URL are not the session's: `auth` replaces them
            )
            self._get_templates[key] = template
        return template if template.url == base else None


def _curl_adapter() -> type[AsanaAdapter] | None:
    """`CurlAdapter`, or None (with one warning a process) where pycurl cannot be imported."""
    try:
        from asana_client.curl_transport import CurlAdapter  # imports this module: not at the top
    except ImportError as exc:
        if not _curl_missing_warned.is_set():
            _curl_missing_warned.set()
            logging.getLogger("asana_client").warning(
                "pycurl cannot be loaded (%s): GETs go through requests; "
                "set `http_transport: requests` to say so and silence this",
                exc,
            )
        return None
    return CurlAdapter


_curl_missing_warned = threading.Event()


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


def _origin(url: str) -> str:
    """`scheme://userinfo@host:port` of a URL, found without parsing its (long) query string."""
    scheme, separator, rest = url.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return scheme.lower() + separator + authority.lower()
