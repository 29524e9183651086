"""Projects and what hangs from them: sections, memberships, statuses, briefs, templates."""

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
        tasks = next((s for s in self.child_streams if s.name == "tasks"), None)
        if context is None or tasks is None or not (tasks.selected or tasks.has_selected_descendents):
            return
        # A task in no project lives only in its assignee's My Tasks: it has no project record to hang
        # from, so the tasks stream gets one partition per assignee after the project partitions.
        users = Route("/users", {"workspace": context[WORKSPACE_KEY], "opt_fields": "gid"}, fields=False)
        for user in list(self.fetch(users, context)):
            tasks.sync(context={WORKSPACE_KEY: context[WORKSPACE_KEY], "assignee_gid": user["gid"]})


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
        "sections",
        "/projects/{project_gid}/sections",
        parent="projects",
        description="Sections of each project.",
    ),
    StreamSpec(
        "project_memberships",
        "/projects/{project_gid}/project_memberships",
        parent="projects",
        description="Users' memberships of projects (legacy endpoint).",
    ),
    StreamSpec(
        "memberships",
        "/memberships",
        parent="projects",
        other_parents=("portfolios", "goals"),
        params={"parent": "{parent_gid}"},
        description="Memberships (users and teams) of projects, portfolios and goals.",
    ),
    StreamSpec(
        "custom_field_settings",
        "/projects/{project_gid}/custom_field_settings",
        parent="projects",
        other_parents=("portfolios", "goals", "teams"),
        path_by_parent_key={
            "portfolio_gid": "/portfolios/{portfolio_gid}/custom_field_settings",
            "goal_gid": "/goals/{goal_gid}/custom_field_settings",
            # Asana does not paginate a team's settings: `limit` is ignored and no next_page comes back.
            "team_gid": "/teams/{team_gid}/custom_field_settings",
        },
        description="Custom fields attached to projects, portfolios, goals and teams.",
    ),
    StreamSpec(
        "custom_types",
        "/custom_types",
        parent="projects",
        params={"project": "{project_gid}"},
        dedupe=True,
        description="Custom task types available in projects (a type shared by projects is emitted once).",
    ),
    StreamSpec(
        "project_statuses",
        "/projects/{project_gid}/project_statuses",
        parent="projects",
        description="Project status updates (deprecated API; see status_updates).",
    ),
    StreamSpec(
        "status_updates",
        "/status_updates",
        parent="projects",
        other_parents=("portfolios", "goals"),
        params={"parent": "{parent_gid}"},
        replication_key="created_at",
        since_param="created_since",
        description="Status updates of projects, portfolios and goals, read incrementally (`created_since`).",
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
    StreamSpec(
        "project_templates",
        "/project_templates",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        description="Project templates of each workspace.",
    ),
    StreamSpec(
        "task_templates",
        "/task_templates",
        parent="projects",
        params={"project": "{project_gid}"},
        description="Task templates of each project.",
    ),
]
