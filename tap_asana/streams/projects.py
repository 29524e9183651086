"""Projects (and, after them, the tasks in no project) and their briefs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tap_asana.client import Route
from tap_asana.streams.declarative import WORKSPACE_KEY, StreamSpec, TableStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class ProjectsStream(TableStream):
    """Projects of a workspace; afterwards, the workspace's tasks that are in no project."""

    def get_records(self, context: Context | None) -> Iterable[dict]:
        yield from super().get_records(context)
        tasks = next(
            (s for s in self.child_streams if isinstance(s, TableStream) and s.name == "tasks"), None
        )
        if context is None or tasks is None or not (tasks.selected or tasks.has_selected_descendents):
            return
        # A task in no project lives only in its assignee's My Tasks: it has no project record to hang
        # from, so the tasks stream gets one partition per assignee after the project partitions.
        users = Route("/users", {"workspace": context[WORKSPACE_KEY], "opt_fields": "gid"}, fields=False)
        partitions = [
            {WORKSPACE_KEY: context[WORKSPACE_KEY], "assignee_gid": user["gid"]}
            for user in list(self.fetch(users, context))
        ]
        keys = self.read_ahead_push([job for p in partitions for job in tasks.partition_jobs(p)])
        try:
            for partition in partitions:
                tasks.sync(context=partition)
        finally:
            if keys and (read_ahead := self.asana_tap.read_ahead) is not None:
                read_ahead.discard(keys)


SPECS = [
    StreamSpec(
        "projects",
        "/workspaces/{workspace_gid}/projects",
        parent="workspaces",
        child_context={"project_gid": "gid", "project_brief_gid": "project_brief.gid"},
        private_child_keys=("project_brief_gid",),
        description="Projects of each workspace, archived ones included. Re-read in full every run.",
        cls=ProjectsStream,
    ),
    StreamSpec(
        "project_briefs",
        "/project_briefs/{project_brief_gid}",
        parent="projects",
        child_context={"project_brief_gid": "gid"},
        single=True,
        requires=("project_brief_gid",),
        tier="premium",
        description="The brief of each project that has one (there is no list endpoint).",
    ),
]
