"""Custom fields, the settings that put them on containers, and custom task types."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "custom_fields",
        "/workspaces/{workspace_gid}/custom_fields",
        parent="workspaces",
        tier="premium",
        description="Custom field definitions, with their enum options.",
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
]
