"""Time tracking: entries logged on tasks, their categories, and weekly timesheet approval statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.tasks import TaskChildStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Record


class TimeTrackingEntriesStream(TaskChildStream):
    """Time entries can be edited and carry no `modified_at`: every entry of a changed task is emitted.

    A task whose `actual_time_minutes` (the sum of its entries) is empty has none: no request for it.
    """

    created_after_parent_bookmark = False

    def wanted_for(self, task: Record | None) -> bool:
        return task is None or bool(task.get("actual_time_minutes"))


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
]
