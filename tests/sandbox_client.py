"""A started sandbox and a `requests` session that speaks to it with the sandbox's PAT."""

from __future__ import annotations

from typing import Any

import requests

from asana_sandbox.server import SandboxServer


class SandboxClient:
    """The server's attributes (store, base_url, root_url, token ...) plus HTTP helpers."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {server.token}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.server.base_url + path, params=params, timeout=30)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> requests.Response:
        """POST `{"data": data}` (or `json=`, `files=`... as given) under /api/1.0."""
        return self._write("POST", path, data, **kwargs)

    def put(self, path: str, data: Any = None, **kwargs: Any) -> requests.Response:
        return self._write("PUT", path, data, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.delete(self.server.base_url + path, timeout=30, **kwargs)

    def _write(self, method: str, path: str, data: Any, **kwargs: Any) -> requests.Response:
        if data is not None:
            kwargs["json"] = {"data": data}
        return self.session.request(method, self.server.base_url + path, timeout=30, **kwargs)

    def control(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a control endpoint (`/_sandbox/<name>`): POST with a body, GET without."""
        url = f"{self.server.root_url}/_sandbox/{name}"
        response = (
            requests.post(url, json=body, timeout=60) if body is not None else requests.get(url, timeout=30)
        )
        response.raise_for_status()
        return response.json()
