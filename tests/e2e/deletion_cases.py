"""Deletions of every kind made through the sandbox's HTTP API, as a user would, and what they remove.

`prepare` makes, before the first run, the two objects a user deletes only when they made them (an empty
section, a comment of their own); `delete_every_kind` then deletes one object of each kind through the real
routes (`DELETE /projects/{gid}`, `DELETE /memberships/{gid}`, `POST /teams/{gid}/removeUser`...).
`snapshot` is what the API can show per stream, so the objects a deletion removed (its cascade included)
are the difference of two snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer
from tests.e2e.store_streams import STREAM_RESOURCE_TYPES, STREAMS, api_visible, stream_records

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
#: What hangs on a task: Asana reports only the task deleted (no event names these), and they answer 404.
HANGERS = {"stories": "target", "attachments": "parent", "time_tracking_entries": "task"}


@dataclass
class Api:
    """The sandbox's API over HTTP, with the default token."""

    base_url: str

    def call(self, method: str, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"data": data} if data is not None else None
        response = requests.request(method, self.base_url + path, json=body, headers=AUTH, timeout=30)
        assert response.ok, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response.json().get("data") or {}


@dataclass
class Prepared:
    """What the user made before the first run, to delete later."""

    section: str
    comment: str
    project: str  # the project holding both, which is kept


def _gid(value: Any) -> str | None:
    return value.get("gid") if isinstance(value, dict) else None


def row_key(stream: str, record: dict[str, Any]) -> str:
    """A row's key as the raw tables hold it (portfolio_items: one row per portfolio and item)."""
    return f"{record['portfolio_gid']}/{record['gid']}" if stream == "portfolio_items" else record["gid"]


def snapshot(server: SandboxServer) -> dict[str, set[str]]:
    """Per stream, the keys of the rows a full extract would load now."""
    store = server.store
    return {
        stream: {
            row_key(stream, r)
            for r in stream_records(store, stream)
            if stream == "portfolio_items" or api_visible(store, stream, r)
        }
        for stream in STREAMS
    }


def hanging(server: SandboxServer) -> dict[str, dict[str, str]]:
    """Per stream, the stories, attachments and time entries on a task: {gid: task gid}."""
    return {
        stream: {
            r["gid"]: task
            for r in server.store.all(STREAM_RESOURCE_TYPES[stream])
            if (task := _gid(r.get(key))) and server.store.get(task, "task") is not None
        }
        for stream, key in HANGERS.items()
    }


def prepare(server: SandboxServer) -> Prepared:
    """An empty extra section (Asana deletes only an empty section, never a project's last one) and a comment
    by the token's user (only its author may delete a comment), in a project that stays."""
    api = Api(server.base_url)
    project = _kept_project(server)
    section = api.call("POST", f"/projects/{project}/sections", {"name": "Deleted later"})["gid"]
    task = next(t for t in server.store.related("task", "projects", project) if not t.get("parent"))
    comment = api.call("POST", f"/tasks/{task['gid']}/stories", {"text": "Deleted later"})["gid"]
    return Prepared(section=section, comment=comment, project=project)


def _projects_by_size(server: SandboxServer) -> list[dict[str, Any]]:
    projects = [p for p in server.store.all("project") if p["workspace"]["gid"] == _acme(server)]
    return sorted(projects, key=lambda p: (len(server.store.related("task", "projects", p["gid"])), p["gid"]))


def _kept_project(server: SandboxServer) -> str:
    return _projects_by_size(server)[-1]["gid"]


def _acme(server: SandboxServer) -> str:
    """The premium (enterprise) workspace: goals, status updates and memberships of every kind live there."""
    return next(w["gid"] for w in server.store.all("workspace") if w.get("_tier") != "free")


def delete_every_kind(
    server: SandboxServer, prepared: Prepared, loaded: dict[str, set[str]]
) -> dict[str, str]:
    """Delete one loaded object of each kind through the API; returns {stream: gid deleted}.

    Picks keep the deletions apart (the comment, attachment, status update and memberships belong to what
    stays), so each object is deleted by its own call; cascades (a project's tasks and sections) come on top.
    """
    api = Api(server.base_url)
    store = server.store
    me = api.call("GET", "/users/me")["gid"]
    kept = prepared.project
    project = next(p["gid"] for p in _projects_by_size(server) if p["gid"] != kept)
    portfolio, other_portfolio = sorted(p["gid"] for p in store.all("portfolio"))[:2]
    goal = min(g["gid"] for g in store.all("goal") if g["gid"] in loaded["goals"])
    going = {project, portfolio, goal}

    def first(stream: str, keep: Any) -> str:
        found = sorted(r["gid"] for r in store.all(STREAM_RESOURCE_TYPES[stream]) if keep(r))
        found = [gid for gid in found if gid in loaded[stream]]
        assert found, f"no loaded {stream} fits"
        return found[0]

    def on_kept_task(field: str) -> Any:
        def keep(record: dict[str, Any]) -> bool:
            task = store.get(_gid(record.get(field)) or "", "task")
            return task is not None and kept in {p["gid"] for p in task.get("projects") or ()}

        return keep

    doomed = {
        "projects": project,
        "sections": prepared.section,
        "tags": first("tags", lambda r: True),
        "stories": prepared.comment,
        "attachments": first("attachments", on_kept_task("parent")),
        "portfolios": portfolio,
        "goals": goal,
        "status_updates": first("status_updates", lambda r: _gid(r.get("parent")) not in going),
        "project_memberships": first(
            "project_memberships", lambda r: _gid(r.get("parent")) == kept and _gid(r.get("member")) != me
        ),
        "portfolio_memberships": first(
            "portfolio_memberships",
            lambda r: _gid(r.get("parent")) == other_portfolio and _gid(r.get("user")) != me,
        ),
        "team_memberships": first("team_memberships", lambda r: _gid(r.get("user")) != me),
        "tasks": first(
            "tasks", lambda r: not r.get("projects") and not r.get("parent") and r.get("assignee") is not None
        ),
    }
    for stream, gid in doomed.items():
        if stream == "team_memberships":
            membership = store.get(gid)
            assert membership is not None
            api.call(
                "POST", f"/teams/{membership['team']['gid']}/removeUser", {"user": membership["user"]["gid"]}
            )
        elif stream in ("project_memberships", "portfolio_memberships"):
            api.call("DELETE", f"/memberships/{gid}")
        else:
            api.call("DELETE", f"/{stream}/{gid}")
    return doomed
