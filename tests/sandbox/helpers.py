"""Lookups into a sandbox's demo store, shared by the sandbox behaviour tests."""

from __future__ import annotations

from typing import Any

import requests

from asana_sandbox.server import SandboxServer
from asana_sandbox.store import Record, Store

ACME = "Acme Corp"  # the demo's Enterprise organization
PERSONAL = "Personal Projects"  # the demo's free workspace


def workspace(store: Store, name: str = ACME) -> Record:
    return next(w for w in store.all("workspace") if w["name"] == name)


def busiest_project(store: Store) -> Record:
    """The project with the most tasks."""
    return max(store.all("project"), key=lambda p: len(store.related("task", "projects", p["gid"])))


def tasks_of(store: Store, project: Record) -> list[Record]:
    return store.related("task", "projects", project["gid"])


def assigned_task(store: Store) -> Record:
    """A task in a project, with an assignee."""
    return next(t for t in store.all("task") if t.get("assignee") and t.get("projects"))


def gids(body: dict[str, Any]) -> list[str]:
    return [record["gid"] for record in body["data"]]


def error_message(body: dict[str, Any]) -> str:
    """The message of Asana's error body, checking its shape on the way."""
    assert set(body) >= {"errors"}, body
    assert isinstance(body["errors"], list) and body["errors"], body
    error = body["errors"][0]
    assert isinstance(error["message"], str) and error["message"], body
    assert isinstance(error["help"], str) and error["help"], body
    return error["message"]


class Client:
    """A started sandbox and a session with its PAT (the shape of the root conftest's SandboxClient)."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {server.token}"

    @property
    def store(self) -> Store:
        return self.server.store

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def root_url(self) -> str:
        return self.server.root_url

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.server.base_url + path, params=params, timeout=30)

    def control(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.server.root_url}/_sandbox/{name}"
        response = (
            requests.post(url, json=body, timeout=60) if body is not None else requests.get(url, timeout=30)
        )
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        self.session.close()
        self.server.stop()
