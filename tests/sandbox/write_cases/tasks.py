"""Write cases for tasks: create, update, delete, subtasks, parents, projects, followers, dependencies."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _workspace(store: Store) -> str:
    return store.all("workspace")[0]["gid"]


def _project_tasks(store: Store) -> list[Record]:
    """Top-level tasks of the first project with at least three of them."""
    for project in store.all("project"):
        found = [t for t in store.related("task", "projects", project["gid"]) if not t.get("parent")]
        if len(found) >= 3:
            return found
    raise AssertionError("no project with three tasks")


def _task(store: Store, k: int = 0) -> str:
    return _project_tasks(store)[k]["gid"]


def _project(store: Store) -> Record:
    return store.get(_project_tasks(store)[0]["projects"][0]["gid"])  # type: ignore[return-value]


def _other_project(store: Store) -> Record:
    task = _project_tasks(store)[0]
    mine = {p["gid"] for p in task["projects"]}
    return next(
        p
        for p in store.all("project")
        if p["gid"] not in mine
        and p["workspace"]["gid"] == task["workspace"]["gid"]
        and store.related("section", "project", p["gid"])
    )


def _section(store: Store, project: Record) -> str:
    return store.related("section", "project", project["gid"])[0]["gid"]


def _user(store: Store) -> str:
    task = _project_tasks(store)[0]
    return next(
        u["gid"]
        for u in store.all("user")
        if any(w["gid"] == task["workspace"]["gid"] for w in u.get("workspaces") or ())
        and all(f["gid"] != u["gid"] for f in task.get("followers") or ())
    )


def _subtask(store: Store) -> Record:
    return next(t for t in store.all("task") if t.get("parent"))


def _dependent_pair(store: Store) -> tuple[str, str]:
    task = next(t for t in store.all("task") if t.get("dependencies"))
    return task["gid"], task["dependencies"][0]["gid"]


def _create(store: Store) -> WriteRequest:
    project = _project(store)
    return WriteRequest(
        "/tasks",
        {
            "data": {
                "name": "Draft the launch plan",
                "notes": "Scope, owners, dates.",
                "projects": [project["gid"]],
                "assignee": "me",
                "due_on": "2026-09-01",
                "start_on": "2026-08-20",
                "followers": [_user(store)],
            }
        },
    )


CASES = [
    WriteCase("POST /tasks", _create, 201),
    WriteCase(
        "POST /tasks",
        lambda s: WriteRequest(
            "/tasks",
            {"data": {"name": "Only in the workspace", "workspace": _workspace(s), "completed": True}},
        ),
        201,
        "workspace",
    ),
    WriteCase("POST /tasks", lambda s: WriteRequest("/tasks", {"data": {"name": "Nowhere"}}), 400, "no home"),
    WriteCase(
        "POST /tasks",
        lambda s: WriteRequest(
            "/tasks",
            {"data": {"workspace": _workspace(s), "due_on": "2026-09-01", "due_at": "2026-09-01T10:00:00Z"}},
        ),
        400,
        "due_on and due_at",
    ),
    WriteCase(
        "PUT /tasks/{task_gid}",
        lambda s: WriteRequest(
            f"/tasks/{_task(s)}",
            {"data": {"name": "Renamed", "completed": True, "due_at": "2026-10-01T09:00:00Z"}},
        ),
    ),
    WriteCase(
        "PUT /tasks/{task_gid}",
        lambda s: WriteRequest(f"/tasks/{_task(s)}", {"data": {"projects": [_project(s)["gid"]]}}),
        400,
        "creation-only",
    ),
    WriteCase(
        "PUT /tasks/{task_gid}", lambda s: WriteRequest("/tasks/1", {"data": {"name": "x"}}), 404, "unknown"
    ),
    WriteCase("DELETE /tasks/{task_gid}", lambda s: WriteRequest(f"/tasks/{_task(s)}")),
    WriteCase("DELETE /tasks/{task_gid}", lambda s: WriteRequest("/tasks/not-a-gid"), 400, "malformed"),
    WriteCase(
        "POST /tasks/{task_gid}/subtasks",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/subtasks", {"data": {"name": "A step", "assignee": "me"}}),
        201,
    ),
    WriteCase(
        "POST /tasks/{task_gid}/setParent",
        lambda s: WriteRequest(f"/tasks/{_task(s, 1)}/setParent", {"data": {"parent": _task(s, 2)}}),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/setParent",
        lambda s: WriteRequest(
            f"/tasks/{_subtask(s)['parent']['gid']}/setParent", {"data": {"parent": _subtask(s)["gid"]}}
        ),
        400,
        "cycle",
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addProject",
        lambda s: WriteRequest(
            f"/tasks/{_task(s)}/addProject",
            {"data": {"project": _other_project(s)["gid"], "section": _section(s, _other_project(s))}},
        ),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addProject",
        lambda s: WriteRequest(
            f"/tasks/{_task(s)}/addProject",
            {"data": {"project": _project(s)["gid"], "insert_before": _task(s, 2)}},
        ),
        200,
        "reorder",
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addProject",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/addProject", {"data": {"project": "12345"}}),
        400,
        "unknown project",
    ),
    WriteCase(
        "POST /tasks/{task_gid}/removeProject",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/removeProject", {"data": {"project": _project(s)["gid"]}}),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addFollowers",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/addFollowers", {"data": {"followers": [_user(s)]}}),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/removeFollowers",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/removeFollowers", {"data": {"followers": ["me"]}}),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addDependencies",
        lambda s: WriteRequest(
            f"/tasks/{_task(s, 2)}/addDependencies", {"data": {"dependencies": [_task(s, 1)]}}
        ),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/removeDependencies",
        lambda s: WriteRequest(
            f"/tasks/{_dependent_pair(s)[0]}/removeDependencies",
            {"data": {"dependencies": [_dependent_pair(s)[1]]}},
        ),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addDependents",
        lambda s: WriteRequest(
            f"/tasks/{_task(s, 1)}/addDependents", {"data": {"dependents": [_task(s, 2)]}}
        ),
    ),
    WriteCase(
        "POST /tasks/{task_gid}/addDependents",
        lambda s: WriteRequest(
            f"/tasks/{_task(s, 1)}/addDependents", {"data": {"dependents": [_task(s, 1)]}}
        ),
        400,
        "itself",
    ),
    WriteCase(
        "POST /tasks/{task_gid}/removeDependents",
        lambda s: WriteRequest(
            f"/tasks/{_dependent_pair(s)[1]}/removeDependents",
            {"data": {"dependents": [_dependent_pair(s)[0]]}},
        ),
    ),
]
