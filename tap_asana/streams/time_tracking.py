"""Time tracking and resource management: time entries on tasks, allocations."""

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
]
