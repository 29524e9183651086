"""Every API operation the sandbox answers, one module per domain."""

from __future__ import annotations

from asana_sandbox.routes import (
    admin,
    events,
    goals,
    portfolios,
    projects,
    resourcing,
    tags,
    tasks,
    time_tracking,
    workspace,
)
from asana_sandbox.routes.base import Route

ROUTES: list[Route] = [
    *workspace.ROUTES,
    *projects.ROUTES,
    *tasks.ROUTES,
    *tags.ROUTES,
    *goals.ROUTES,
    *portfolios.ROUTES,
    *time_tracking.ROUTES,
    *resourcing.ROUTES,
    *admin.ROUTES,
    *events.ROUTES,
]
