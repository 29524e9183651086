"""Write cases for the duplicate actions, which answer a job."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest

TASK_INCLUDE = "notes,assignee,subtasks,attachments,tags,followers,projects,dates,dependencies,parent"
PROJECT_INCLUDE = (
    "allocations,forms,members,notes,permissions,task_assignee,task_attachments,task_dates,"
    "task_dependencies,task_followers,task_notes,task_projects,task_subtasks,task_tags,task_templates,"
    "task_type_default"
)


def _task(store: Store) -> str:
    """A project task with subtasks, so that most of `include` has something to copy."""
    return next(t["gid"] for t in store.all("task") if t.get("projects") and t.get("num_subtasks"))


def _project(store: Store) -> str:
    return store.all("project")[0]["gid"]


def _portfolio(store: Store) -> str:
    return store.all("portfolio")[0]["gid"]


CASES = [
    WriteCase(
        "POST /tasks/{task_gid}/duplicate",
        lambda s: WriteRequest(
            f"/tasks/{_task(s)}/duplicate", {"data": {"name": "Copy", "include": TASK_INCLUDE}}
        ),
        201,
    ),
    WriteCase(
        "POST /tasks/{task_gid}/duplicate",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/duplicate", {"data": {"include": "notes,colour"}}),
        400,
        "unknown include",
    ),
    WriteCase(
        "POST /tasks/{task_gid}/duplicate",
        lambda s: WriteRequest("/tasks/1/duplicate", {"data": {"name": "Copy"}}),
        404,
        "unknown task",
    ),
    WriteCase(
        "POST /projects/{project_gid}/duplicate",
        lambda s: WriteRequest(
            f"/projects/{_project(s)}/duplicate",
            {
                "data": {
                    "name": "Copy",
                    "include": PROJECT_INCLUDE,
                    "schedule_dates": {"should_skip_weekends": True, "due_on": "2030-06-28"},
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /projects/{project_gid}/duplicate",
        lambda s: WriteRequest(f"/projects/{_project(s)}/duplicate", {"data": {"include": "notes"}}),
        400,
        "missing name",
    ),
    WriteCase(
        "POST /portfolios/{portfolio_gid}/duplicate",
        lambda s: WriteRequest(
            f"/portfolios/{_portfolio(s)}/duplicate",
            {"data": {"name": "Copy", "include": "description,members,permissions,child_projects"}},
        ),
        201,
    ),
    WriteCase(
        "POST /portfolios/{portfolio_gid}/duplicate",
        lambda s: WriteRequest(f"/portfolios/{_portfolio(s)}/duplicate", {"data": {"name": 3}}),
        400,
        "wrong type",
    ),
]
