"""Resource management: allocations, budgets and rates (paid plans), and out-of-office entries."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "allocations",
        "/allocations",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        tier="premium",
        description="Resource allocations of each workspace (paid plans).",
    ),
    StreamSpec(
        "budgets",
        "/budgets",
        parent="projects",
        params={"parent": "{project_gid}"},
        paginated=False,
        tier="premium",
        description="The budget of each project (at most one: time or cost, estimate and actual).",
    ),
    StreamSpec(
        "rates",
        "/rates",
        parent="projects",
        params={"parent": "{project_gid}"},
        tier="premium",
        description="Billing rates of the users and placeholders of each project.",
    ),
    StreamSpec(
        "ooo_entries",
        "/ooo_entries",
        parent="workspace_memberships",
        params={"user": "{user_gid}", "workspace": "{workspace_gid}"},
        requires=("user_gid",),
        description="Out-of-office periods of each member of a workspace.",
    ),
]
