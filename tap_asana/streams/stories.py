"""Stories (comments and activity) of tasks and goals."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.tasks import TaskChildStream

SPECS = [
    StreamSpec(
        "stories",
        "/tasks/{task_gid}/stories",
        parent="tasks",
        other_parents=("goals",),
        path_by_parent_key={"goal_gid": "/goals/{goal_gid}/stories"},
        replication_key="created_at",
        description="Comments and activity of tasks changed since the last run, and of every goal.",
        cls=TaskChildStream,
    ),
]
