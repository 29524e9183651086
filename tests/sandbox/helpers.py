"""Lookups into a sandbox's demo store, shared by the sandbox behaviour tests."""

from __future__ import annotations

from typing import Any

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
