"""Which sink writes which stream: tasks, the table of other writable objects, and the read-only rest."""

from __future__ import annotations

from target_asana.sinks.base import AsanaSink, ReadOnlySink
from target_asana.sinks.objects import sink_classes
from target_asana.sinks.tasks import TaskSink

#: Streams of the tap that Asana lets no one write, or that another stream writes.
READ_ONLY = {
    "workspaces": "Asana does not let clients create workspaces",
    "users": "users are invited in Asana, not created through the API",
    "workspace_memberships": "Asana does not let clients write these objects",
    "user_task_lists": "each user's My Tasks list is Asana's own",
    "teams": "not written by target-asana",
    "custom_field_settings": "written as part of projects' and custom fields' setup in Asana",
    "custom_types": "Asana does not let clients write these objects",
    "project_memberships": "legacy read-only view: write `memberships` instead",
    "project_statuses": "deprecated: write `status_updates` instead",
    "project_briefs": "not written by target-asana",
    "project_templates": "not written by target-asana",
    "task_templates": "not written by target-asana",
    "allocations": "not written by target-asana",
    "goal_relationships": "not written by target-asana",
    "time_periods": "Asana does not let clients write these objects",
    "portfolios": "not written by target-asana",
    "webhooks": "managed with asana-webhooks, not through records",
    "access_requests": "not written by target-asana",
    "audit_log_events": "Asana does not let clients write these objects",
    "agents": "Asana does not let clients write these objects",
    "roles": "not written by target-asana",
    "ooo_entries": "not written by target-asana",
    "time_tracking_categories": "not written by target-asana",
    "timesheet_approval_statuses": "not written by target-asana",
    "budgets": "not written by target-asana",
    "rates": "not written by target-asana",
    "project_portfolio_settings": "not written by target-asana",
    "events": "events are Asana's record of changes",
}

WRITABLE: dict[str, type[AsanaSink]] = {"tasks": TaskSink, **sink_classes()}


def sink_class(stream_name: str, *, mapped: bool) -> type[AsanaSink]:
    """The sink for a stream; a stream named in `mappings` is written as tasks."""
    if mapped:
        return TaskSink
    if stream_name in WRITABLE:
        return WRITABLE[stream_name]
    reason = READ_ONLY.get(stream_name, "not a stream target-asana writes (map it to tasks with `mappings`)")
    return type(f"ReadOnly_{stream_name}", (ReadOnlySink,), {"reason": reason})
