"""HTTP plumbing that costs per request: proxy settings resolved once per host, a body decoded once.

`requests.Session.send` looks the proxy settings up in the environment (`HTTP(S)_PROXY`, `NO_PROXY`, ...)
on every request, scanning the whole environment several times, and a sync sends tens of thousands of
requests to one host: `AsanaSession` resolves them once per scheme and host, exactly as `requests` would,
so a user behind a proxy is still served through it. A page's body is read by the error checks, the
paginator and the stream: `AsanaResponse.json()` decodes it once, with msgspec when it is installed
(`singer-sdk[msgspec]`; 3-4x faster than `json` on Asana's pages, which was a fifth of the tap's CPU).
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import resolve_proxies

try:
    import msgspec.json

    _fast_decode: Any = msgspec.json.Decoder().decode
except ImportError:  # an environment installed before the dependency: the standard decoder
    _fast_decode = None

_UNSET = object()
#: Encodings msgspec reads (it takes UTF-8 bytes); `requests` decodes any other.
_UTF8 = frozenset({"utf-8", "utf8"})


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
    """A `requests.Session` that resolves the environment's proxy settings once per origin.

    What is cached is what `send` would have computed (`resolve_proxies` with this session's `proxies`
    and `trust_env`), keyed by scheme, host and port and by those two; a caller passing `proxies=` is left
    alone. The environment is read when an origin is first requested: later changes are not seen.
    """

    def __init__(self) -> None:
        super().__init__()
        self._proxies_by_origin: dict[tuple[Any, ...], dict[str, str]] = {}
        self._proxies_lock = threading.Lock()
        for prefix in ("https://", "http://"):
            self.mount(prefix, AsanaAdapter())

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


def _origin(url: str) -> str:
    """`scheme://userinfo@host:port` of a URL, found without parsing its (long) query string."""
    scheme, separator, rest = url.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return scheme.lower() + separator + authority.lower()
