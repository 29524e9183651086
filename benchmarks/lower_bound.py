"""The fewest requests that can return a dataset: one page of 100 per list call and partition.

A partition is the parent a list call is scoped to (a workspace for tags, a project for sections, a
task for stories ...). An empty partition still costs one call, to learn that it is empty; an
unpaginated call (access requests, one brief, one My Tasks list) costs one. Streams of a workspace the
plan does not cover still cost the one call that answers 402.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

PAGE = 100


def _pages(counts: Counter, partitions: Iterable[str]) -> int:
    return sum(max(1, math.ceil(counts.get(p, 0) / PAGE)) for p in partitions)


def _ref(record: dict, field: str) -> str | None:
    value = record.get(field)
    return value.get("gid") if isinstance(value, dict) else value


def _count(records: Iterable[dict], field: str) -> Counter:
    return Counter(g for r in records if (g := _ref(r, field)))


def full_sync(store: Any) -> dict[str, int]:
    """Lower bound per stream for extracting everything."""
    workspaces = [w["gid"] for w in store.all("workspace")]
    projects = [p["gid"] for p in store.all("project")]
    portfolios = [p["gid"] for p in store.all("portfolio")]
    goals = [g["gid"] for g in store.all("goal")]
    teams = [t["gid"] for t in store.all("team")]
    tasks = store.all("task")
    task_gids = [t["gid"] for t in tasks]
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
        + _pages(_count(tasks, "parent"), {g for t in tasks if (g := _ref(t, "parent"))})
        + sum(users_per_ws.values()),
        "stories": _pages(_count(store.all("story"), "target"), task_gids + goals),
        "attachments": _pages(
            _count(store.all("attachment"), "parent"),
            task_gids + projects + [b["gid"] for b in store.all("project_brief")],
        ),
        "time_tracking_entries": _pages(
            _count(store.all("time_tracking_entry"), "task"), [t["gid"] for t in tasks]
        ),
    }
    return bound


def incremental_sync(store: Any, changed_tasks: Iterable[str]) -> dict[str, int]:
    """Lower bound for a run after changes to tasks: full-table streams are read again in full;
    tasks need one call per project (and assignee list) to learn what changed, and the children of
    the changed tasks only."""
    bound = full_sync(store)
    changed = set(changed_tasks)
    projects = [p["gid"] for p in store.all("project")]
    users_per_ws = sum(len(u.get("workspaces") or []) for u in store.all("user"))
    bound["tasks"] = len(projects) + users_per_ws
    stories = _count(store.all("story"), "target")
    goals = [g["gid"] for g in store.all("goal")]
    bound["stories"] = _pages(stories, [*changed, *goals])
    attachments = _count(store.all("attachment"), "parent")
    others = projects + [b["gid"] for b in store.all("project_brief")]
    bound["attachments"] = _pages(attachments, [*changed, *others])
    bound["time_tracking_entries"] = len(changed)
    return bound
