"""What the sandbox's API exposes for each stream, computed from its store (the test oracle)."""

from __future__ import annotations

from typing import Any

# stream -> resource_type in the sandbox store
RESOURCE_TYPES = {
    "workspaces": "workspace",
    "users": "user",
    "workspace_memberships": "workspace_membership",
    "teams": "team",
    "team_memberships": "team_membership",
    "projects": "project",
    "project_memberships": "project_membership",
    "memberships": "membership",
    "sections": "section",
    "tasks": "task",
    "stories": "story",
    "attachments": "attachment",
    "tags": "tag",
    "custom_fields": "custom_field",
    "custom_field_settings": "custom_field_setting",
    "custom_types": "custom_type",
    "portfolios": "portfolio",
    "portfolio_memberships": "portfolio_membership",
    "goals": "goal",
    "goal_relationships": "goal_relationship",
    "time_periods": "time_period",
    "time_tracking_entries": "time_tracking_entry",
    "project_statuses": "project_status",
    "status_updates": "status_update",
    "project_briefs": "project_brief",
    "project_templates": "project_template",
    "task_templates": "task_template",
    "user_task_lists": "user_task_list",
    "allocations": "allocation",
    "access_requests": "access_request",
    "webhooks": "webhook",
    "audit_log_events": "audit_log_event",
    "agents": "agent",
    "roles": "role",
    "ooo_entries": "ooo_entry",
    "time_tracking_categories": "time_tracking_category",
    "timesheet_approval_statuses": "timesheet_approval_status",
    "budgets": "budget",
    "rates": "rate",
    "project_portfolio_settings": "project_portfolio_setting",
}
TIER_RANK = {"free": 0, "premium": 1, "enterprise": 2}
# Streams the sandbox gates by the workspace's tier (402 below it), as Asana does.
GATED = {
    "goals": "premium",
    "goal_relationships": "premium",
    "allocations": "premium",
    "access_requests": "premium",
    "project_briefs": "premium",
    "audit_log_events": "enterprise",
    "budgets": "premium",
    "rates": "premium",
}


def expected_gids(store: Any, stream: str) -> set[str]:
    """Gids the API lets a service-account PAT list for `stream`."""
    if stream == "portfolio_items":
        return {f"{p['gid']}/{item['gid']}" for p in store.all("portfolio") for item in p.get("_items") or ()}
    records = store.all(RESOURCE_TYPES[stream])
    if stream == "access_requests":  # Asana lists only pending requests
        records = [r for r in records if r.get("approval_status") in (None, "pending")]
    if stream == "tasks":  # a task in no project, with no parent and no assignee has no list to be in
        records = [r for r in records if r.get("projects") or r.get("parent") or r.get("assignee")]
    if stream in GATED:
        records = [r for r in records if _tier_of(store, r) >= TIER_RANK[GATED[stream]]]
    return {r["gid"] for r in records}


def emitted_gids(result: Any, stream: str) -> list[str]:
    if stream == "portfolio_items":
        return [f"{r['portfolio_gid']}/{r['gid']}" for r in result.records.get(stream, [])]
    return result.gids(stream)


def _tier_of(store: Any, record: dict) -> int:
    """The tier of the workspace a record lives in, found through its references."""
    seen = 0
    while record is not None and seen < 6:
        if record.get("resource_type") == "workspace":
            return TIER_RANK[record.get("_tier", "free")]
        if isinstance(record.get("_workspace"), str):  # sandbox-private link (audit log events)
            record = store.get(record["_workspace"])
            continue
        for field in ("workspace", "project", "parent", "target", "supported_goal", "team"):
            ref = record.get(field)
            if isinstance(ref, dict) and ref.get("gid"):
                record = store.get(ref["gid"])
                break
        else:
            return 0
        seen += 1
    return 0


def workspaces_with_events(store: Any) -> list[str]:
    """Gids of the workspaces whose events (`GET /workspaces/{gid}/events`) the sandbox's service-account
    token may read: Enterprise ones, as in Asana. The others' deletions are not tracked."""
    return sorted(w["gid"] for w in store.all("workspace") if w.get("_tier") == "enterprise")
