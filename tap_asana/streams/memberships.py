"""Memberships of projects, portfolios and goals (and the legacy project memberships)."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
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
]
