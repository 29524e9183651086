"""Every stream of the tap, built from the per-domain tables."""

from __future__ import annotations

from tap_asana.streams import (
    admin,
    attachments,
    custom_fields,
    goals,
    memberships,
    portfolios,
    projects,
    resourcing,
    roles,
    sections,
    status_updates,
    stories,
    tags,
    tasks,
    teams,
    templates,
    time_tracking,
    workspaces,
)
from tap_asana.streams.declarative import StreamSpec, TableStream, build_stream_classes

#: The order streams are built in, which is the order in which a parent syncs its children (the SDK links
#: child streams in this order). It predates the split by domain; keeping it keeps a run's output the same.
SYNC_ORDER = (
    "workspaces",
    "users",
    "workspace_memberships",
    "user_task_lists",
    "teams",
    "team_memberships",
    "tags",
    "custom_fields",
    "ooo_entries",
    "roles",
    "agents",
    "projects",
    "sections",
    "project_memberships",
    "memberships",
    "custom_field_settings",
    "custom_types",
    "project_statuses",
    "status_updates",
    "project_briefs",
    "project_templates",
    "task_templates",
    "tasks",
    "stories",
    "attachments",
    "time_tracking_entries",
    "allocations",
    "time_tracking_categories",
    "timesheet_approval_statuses",
    "budgets",
    "rates",
    "goals",
    "goal_relationships",
    "time_periods",
    "portfolios",
    "portfolio_items",
    "portfolio_memberships",
    "project_portfolio_settings",
    "webhooks",
    "access_requests",
    "audit_log_events",
)

SPECS: list[StreamSpec] = sorted(
    [
        *workspaces.SPECS,
        *teams.SPECS,
        *tags.SPECS,
        *custom_fields.SPECS,
        *roles.SPECS,
        *projects.SPECS,
        *sections.SPECS,
        *memberships.SPECS,
        *status_updates.SPECS,
        *templates.SPECS,
        *tasks.SPECS,
        *stories.SPECS,
        *attachments.SPECS,
        *time_tracking.SPECS,
        *resourcing.SPECS,
        *goals.SPECS,
        *portfolios.SPECS,
        *admin.SPECS,
    ],
    key=lambda spec: SYNC_ORDER.index(spec.name),
)
STREAM_TYPES: list[type[TableStream]] = build_stream_classes(SPECS)

__all__ = ["SPECS", "STREAM_TYPES"]
