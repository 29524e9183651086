"""The fewest requests that can return a dataset: one call per page of 100 of every listing that cannot be
skipped.

A partition is the parent a list call is scoped to (a workspace for tags, a project for sections, a task
for stories ...). A partition costs one call per page of what it holds, and one call when it is empty
unless data read anyway proves it empty:

* `subtasks` of a task whose `num_subtasks` is 0;
* `time_tracking_entries` of a task whose `actual_time_minutes` is null;
* `attachments` of a task with no `attachment_added` story (Asana writes one whenever a file is attached,
  and every story is read anyway). A task holding an attachment that no story announces still counts: the
  data is there and a tap must find it. Projects and project briefs have no stories: always one call.

Everything else has no such signal (no story count on a task, no member count on a project), so an empty
partition costs the call that finds it empty; an unpaginated call (access requests, one brief, one My Tasks
list) costs one. Streams of a workspace the plan does not cover still cost the one call that answers 402.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

PAGE = 100
#: Streams whose partitions are projects (or partly projects: the `_PROJECT_PART` ones), which a
#: project's events can declare unchanged in an incremental run.
PROJECT_SCOPED = (
    "sections",
    "project_memberships",
    "custom_types",
    "project_statuses",
    "task_templates",
    "project_briefs",
    "access_requests",
    "budgets",
    "rates",
)


def _pages(counts: Counter, partitions: Iterable[Any]) -> int:
    return sum(max(1, math.ceil(counts.get(p, 0) / PAGE)) for p in partitions)


def _ref(record: dict, field: str) -> str | None:
    value = record.get(field)
    return value.get("gid") if isinstance(value, dict) else value


def _count(records: Iterable[dict], field: str) -> Counter:
    return Counter(g for r in records if (g := _ref(r, field)))


def _gids(store: Any, kind: str) -> list[str]:
    return [r["gid"] for r in store.all(kind)]


def task_signals(store: Any) -> dict[str, set[str]]:
    """Tasks whose children cannot be proven empty: with subtasks, logged time, or an attachment sign."""
    tasks = store.all("task")
    announced = {
        g
        for s in store.all("story")
        if s.get("resource_subtype") == "attachment_added"
        if (g := _ref(s, "target"))
    }
    return {
        "subtasks": {t["gid"] for t in tasks if t.get("num_subtasks")} | set(_count(tasks, "parent")),
        "time_tracking_entries": {t["gid"] for t in tasks if t.get("actual_time_minutes") is not None}
        | set(_count(store.all("time_tracking_entry"), "task")),
        "attachments": announced | set(_count(store.all("attachment"), "parent")),
    }


def _project_parts(store: Any) -> dict[str, int]:
    """The share of the mixed-parent streams (and of attachments) that is scoped to projects and briefs."""
    projects = _gids(store, "project")
    briefs = _gids(store, "project_brief")
    return {
        "memberships": _pages(_count(store.all("membership"), "parent"), projects),
        "status_updates": _pages(_count(store.all("status_update"), "parent"), projects),
        "custom_field_settings": _pages(_count(store.all("custom_field_setting"), "parent"), projects),
        "attachments": _pages(_count(store.all("attachment"), "parent"), projects + briefs),
    }


def full_sync(store: Any) -> dict[str, int]:
    """Lower bound per stream for extracting everything."""
    workspaces = _gids(store, "workspace")
    projects = _gids(store, "project")
    portfolios = _gids(store, "portfolio")
    goals = _gids(store, "goal")
    teams = _gids(store, "team")
    tasks = store.all("task")
    task_gids = [t["gid"] for t in tasks]
    signals = task_signals(store)
    users_per_ws = Counter(w["gid"] for u in store.all("user") for w in u.get("workspaces") or [])
    memberships = store.all("workspace_membership")
    bound = {
        "workspaces": 1,
        "users": _pages(users_per_ws, workspaces),
        "workspace_memberships": _pages(_count(memberships, "workspace"), workspaces),
        "user_task_lists": len(memberships),
        "teams": _pages(_count(store.all("team"), "organization"), workspaces),
        "team_memberships": _pages(_count(store.all("team_membership"), "team"), teams),
        "tags": _pages(_count(store.all("tag"), "workspace"), workspaces),
        "custom_fields": _pages(_count(store.all("custom_field"), "_workspace"), workspaces),
        "projects": _pages(_count(store.all("project"), "workspace"), workspaces),
        "project_templates": len(workspaces),
        "webhooks": len(workspaces),
        "time_periods": _pages(_count(store.all("time_period"), "_workspace"), workspaces),
        "allocations": len(workspaces),
        "goals": _pages(_count(store.all("goal"), "workspace"), workspaces),
        "portfolios": _pages(_count(store.all("portfolio"), "workspace"), workspaces),
        # `next_page` never ends on the audit log: the last call is the one that comes back empty.
        "audit_log_events": _pages(_count(store.all("audit_log_event"), "_workspace"), workspaces)
        + len(workspaces),
        "sections": _pages(_count(store.all("section"), "project"), projects),
        "project_memberships": _pages(_count(store.all("project_membership"), "parent"), projects),
        "custom_types": len(projects),
        "project_statuses": _pages(_count(store.all("project_status"), "_parent"), projects),
        "task_templates": len(projects),
        "project_briefs": len(store.all("project_brief")),
        "memberships": _pages(_count(store.all("membership"), "parent"), projects + portfolios + goals),
        "status_updates": _pages(_count(store.all("status_update"), "parent"), projects + portfolios + goals),
        "custom_field_settings": _pages(
            _count(store.all("custom_field_setting"), "parent"), projects + portfolios + goals + teams
        ),
        "access_requests": len(projects) + len(portfolios),
        "agents": _pages(_count(store.all("agent"), "workspace"), workspaces),
        "roles": _pages(_count(store.all("role"), "workspace"), workspaces),
        "ooo_entries": _pages(
            Counter((_ref(e, "user"), e.get("_workspace")) for e in store.all("ooo_entry")),
            [(_ref(m, "user"), _ref(m, "workspace")) for m in memberships],
        ),
        # Active and archived categories are two calls: the endpoint answers active ones by default.
        "time_tracking_categories": 2 * len(workspaces),
        "timesheet_approval_statuses": _pages(
            _count(store.all("timesheet_approval_status"), "workspace"), workspaces
        ),
        "budgets": len(projects),
        "rates": _pages(_count(store.all("rate"), "parent"), projects),
        "project_portfolio_settings": _pages(
            _count(store.all("project_portfolio_setting"), "portfolio"), portfolios
        ),
        "portfolio_items": len(portfolios),
        "portfolio_memberships": _pages(_count(store.all("portfolio_membership"), "parent"), portfolios),
        "goal_relationships": len(goals),
        # Tasks: the tasks of each project, the subtasks of each task that has some, and the tasks in no
        # project, which only an assignee's list reaches (one call per user and workspace).
        "tasks": _pages(Counter(p["gid"] for t in tasks for p in t["projects"]), projects)
        + _pages(_count(tasks, "parent"), signals["subtasks"])
        + sum(users_per_ws.values()),
        "stories": _pages(_count(store.all("story"), "target"), task_gids + goals),
        "attachments": _pages(_count(store.all("attachment"), "parent"), signals["attachments"])
        + _project_parts(store)["attachments"],
        "time_tracking_entries": _pages(
            _count(store.all("time_tracking_entry"), "task"), signals["time_tracking_entries"]
        ),
    }
    return bound


def _changed_children(store: Any, changed: set[str]) -> dict[str, int]:
    """Stories, attachments and time entries of the changed tasks (each listing cut to its signal)."""
    signals = task_signals(store)
    goals = _gids(store, "goal")
    return {
        "stories": _pages(_count(store.all("story"), "target"), [*changed, *goals]),
        "attachments": _pages(_count(store.all("attachment"), "parent"), changed & signals["attachments"]),
        "time_tracking_entries": _pages(
            _count(store.all("time_tracking_entry"), "task"), changed & signals["time_tracking_entries"]
        ),
    }


def _changed_subtasks(tasks: dict[str, dict], changed: set[str]) -> int:
    """A changed subtask is in no project's `modified_since` listing: one `GET /tasks/{gid}` each."""
    return sum(1 for g in changed if g in tasks and tasks[g].get("parent"))


def incremental_reread(store: Any, changed_tasks: Iterable[str]) -> dict[str, int]:
    """Lower bound after changes to tasks when every full-table stream is read again in full (none of them
    has a change filter): tasks cost one call per project and per assignee list (`modified_since`), and
    only the changed tasks' children are read."""
    bound = full_sync(store)
    changed = set(changed_tasks)
    projects = _gids(store, "project")
    users_per_ws = sum(len(u.get("workspaces") or []) for u in store.all("user"))
    tasks = {t["gid"]: t for t in store.all("task")}
    bound["tasks"] = len(projects) + users_per_ws + _changed_subtasks(tasks, changed)
    bound.update(_changed_children(store, changed))
    bound["attachments"] += _project_parts(store)["attachments"]
    return bound


def incremental_events(store: Any, changed_tasks: Iterable[str]) -> dict[str, int]:
    """Lower bound after changes to tasks when each project's events say what changed in it.

    One `GET /events?resource=<project>` per project (a 1 % mutation leaves far fewer than 100 events, one
    page, per project). A project-scoped table is read again only for a project whose events name a change
    to it (the mutation changes tasks and what hangs on them, not those tables); tasks only in projects with
    a changed task (one `modified_since` call each). Tasks in no project are in no project's events: each
    assignee list costs its call. Workspace-, team-, user-, portfolio- and goal-scoped tables are read in
    full.
    """
    bound = full_sync(store)
    changed = set(changed_tasks)
    tasks = {t["gid"]: t for t in store.all("task")}
    touched = {p["gid"] for g in changed if g in tasks for p in tasks[g]["projects"]}
    users_per_ws = sum(len(u.get("workspaces") or []) for u in store.all("user"))
    for stream in PROJECT_SCOPED:
        bound[stream] = 0
    for stream, project_part in _project_parts(store).items():
        if stream != "attachments":
            bound[stream] -= project_part
    bound["access_requests"] = len(_gids(store, "portfolio"))
    bound["events"] = len(_gids(store, "project"))
    bound["tasks"] = len(touched) + users_per_ws + _changed_subtasks(tasks, changed)
    bound.update(_changed_children(store, changed))
    return bound
