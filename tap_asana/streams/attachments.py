"""Attachments of tasks, projects and project briefs."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.tasks import TaskChildStream

SPECS = [
    StreamSpec(
        "attachments",
        "/attachments",
        parent="tasks",
        other_parents=("projects", "project_briefs"),
        params={"parent": "{parent_gid}"},
        replication_key="created_at",
        description="Attachments of tasks changed since the last run, and of every project and brief.",
        cls=TaskChildStream,
    ),
]
