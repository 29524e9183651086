"""Time tracking and resource management: entries, categories, timesheets, allocations, budgets, rates."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.tasks import TimeTrackingEntriesStream

SPECS = [
    StreamSpec(
        "time_tracking_entries",
        "/tasks/{task_gid}/time_tracking_entries",
        parent="tasks",
        replication_key="created_at",
        tier="premium",
        description="Time entries of tasks changed since the last run (all entries of each such task).",
        cls=TimeTrackingEntriesStream,
    ),
    StreamSpec(
        "allocations",
        "/allocations",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        tier="premium",
        description="Resource allocations of each workspace (paid plans).",
    ),
    StreamSpec(
        "time_tracking_categories",
        "/time_tracking_categories",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        # The endpoint answers only active categories unless asked for the archived ones.
        variants=({"is_archived": "false"}, {"is_archived": "true"}),
        description="Categories time entries are booked against, archived ones included.",
    ),
    StreamSpec(
        "timesheet_approval_statuses",
        "/timesheet_approval_statuses",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        description="Approval state of each user's weekly timesheet (draft, submitted, approved, rejected).",
    ),
    StreamSpec(
        "budgets",
        "/budgets",
        parent="projects",
        params={"parent": "{project_gid}"},
        paginated=False,
        tier="premium",
        description="The budget of each project (at most one: time or cost, estimate and actual).",
    ),
    StreamSpec(
        "rates",
        "/rates",
        parent="projects",
        params={"parent": "{project_gid}"},
        tier="premium",
        description="Billing rates of the users and placeholders of each project.",
    ),
]
