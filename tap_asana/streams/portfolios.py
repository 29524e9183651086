"""Portfolios, their items and their members."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.remembering import RememberingStream

SPECS = [
    StreamSpec(
        "portfolios",
        "/portfolios",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        child_context={"portfolio_gid": "gid"},
        tier="premium",
        description="Portfolios of each workspace: all of them for a service account, else the user's own.",
    ),
    StreamSpec(
        "portfolio_items",
        "/portfolios/{portfolio_gid}/items",
        parent="portfolios",
        keys=("portfolio_gid", "gid"),
        tier="premium",
        description="Projects and portfolios in each portfolio (one row per portfolio and item).",
        cls=RememberingStream,
    ),
    StreamSpec(
        "portfolio_memberships",
        "/portfolios/{portfolio_gid}/portfolio_memberships",
        parent="portfolios",
        tier="premium",
        description="Users' memberships of portfolios.",
    ),
    StreamSpec(
        "project_portfolio_settings",
        "/portfolios/{portfolio_gid}/project_portfolio_settings",
        parent="portfolios",
        tier="premium",
        description="How each project sits in each portfolio (access control inherited or not).",
    ),
]
