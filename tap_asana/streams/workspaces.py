"""Workspaces and who is in them: users, workspace memberships, My Tasks lists, AI teammates (agents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_asana.streams.declarative import StreamSpec, TableStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record


class WorkspacesStream(TableStream):
    """Workspaces and organizations, narrowed to the `workspaces` setting (gids or names) when set."""

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        wanted = self.config.get("workspaces") or []
        if wanted and row.get("gid") not in wanted and row.get("name") not in wanted:
            return None
        return super().post_process(row, context)


SPECS = [
    StreamSpec(
        "workspaces",
        "/workspaces",
        description="Workspaces and organizations the token can see.",
        child_context={"workspace_gid": "gid"},
        cls=WorkspacesStream,
    ),
    StreamSpec(
        "users",
        "/users",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        dedupe=True,
        description="Users of each workspace; a user in several workspaces is emitted once.",
    ),
    StreamSpec(
        "workspace_memberships",
        "/workspaces/{workspace_gid}/workspace_memberships",
        parent="workspaces",
        child_context={"user_gid": "user.gid"},
        description="A user's membership of a workspace (admin, guest, active).",
    ),
    StreamSpec(
        "user_task_lists",
        "/users/{user_gid}/user_task_list",
        parent="workspace_memberships",
        params={"workspace": "{workspace_gid}"},
        single=True,
        requires=("user_gid",),
        description="Each member's My Tasks list (one object per user and workspace).",
    ),
    StreamSpec(
        "agents",
        "/workspaces/{workspace_gid}/agents",
        parent="workspaces",
        description="AI teammates (agents) of each workspace.",
    ),
]
