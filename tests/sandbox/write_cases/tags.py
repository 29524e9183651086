"""Write cases for tags."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _workspace(store: Store) -> str:
    return store.all("workspace")[0]["gid"]


def _tag(store: Store) -> str:
    return store.all("tag")[0]["gid"]


def _task(store: Store) -> str:
    return next(t["gid"] for t in store.all("task") if t.get("projects"))


CASES = [
    WriteCase(
        "POST /tags",
        lambda s: WriteRequest(
            "/tags", {"data": {"name": "Blocked", "color": "dark-red", "workspace": _workspace(s)}}
        ),
        201,
    ),
    WriteCase(
        "POST /tags", lambda s: WriteRequest("/tags", {"data": {"name": "No workspace"}}), 400, "missing"
    ),
    WriteCase(
        "POST /workspaces/{workspace_gid}/tags",
        lambda s: WriteRequest(
            f"/workspaces/{_workspace(s)}/tags", {"data": {"name": "Later", "notes": "n"}}
        ),
        201,
    ),
    WriteCase(
        "PUT /tags/{tag_gid}",
        lambda s: WriteRequest(f"/tags/{_tag(s)}", {"data": {"name": "Renamed", "color": "light-blue"}}),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addTag",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/addTag", {"data": {"tag": _tag(s)}}),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/removeTag",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/removeTag", {"data": {"tag": _tag(s)}}),
    ),
    WriteCase("DELETE /tags/{tag_gid}", lambda s: WriteRequest(f"/tags/{_tag(s)}")),
    WriteCase("DELETE /tags/{tag_gid}", lambda s: WriteRequest("/tags/1"), 404, "unknown"),
]
