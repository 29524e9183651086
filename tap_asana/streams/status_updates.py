"""Status updates of projects, portfolios and goals, and projects' deprecated statuses."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
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
]
