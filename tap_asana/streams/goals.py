"""Goals, their relationships, and the time periods they are set for."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "goals",
        "/goals",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        child_context={"goal_gid": "gid"},
        tier="premium",
        description="Goals of each workspace.",
    ),
    StreamSpec(
        "goal_relationships",
        "/goal_relationships",
        parent="goals",
        params={"supported_goal": "{goal_gid}"},
        tier="premium",
        description="What supports each goal (subgoals, projects, portfolios).",
    ),
    StreamSpec(
        "time_periods",
        "/time_periods",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        description="Time periods (fiscal years, quarters) of each workspace.",
    ),
]
