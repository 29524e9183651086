"""Every API operation the sandbox answers, one module per domain."""

from __future__ import annotations

from asana_sandbox.routes import (
    admin,
    attachments,
    batch,
    custom_fields,
    events,
    goals,
    jobs,
    memberships,
    portfolios,
    projects,
    reactions,
    resourcing,
    roles,
    sections,
    status_updates,
    stories,
    tags,
    tasks,
    teams,
    templates,
    time_tracking,
    workspaces,
)
from asana_sandbox.routes.base import Route

ROUTES: list[Route] = [
    *workspaces.ROUTES,
    *teams.ROUTES,
    *projects.ROUTES,
    *sections.ROUTES,
    *memberships.ROUTES,
    *tasks.ROUTES,
    *stories.ROUTES,
    *attachments.ROUTES,
    *templates.ROUTES,
    *jobs.ROUTES,
    *tags.ROUTES,
    *custom_fields.ROUTES,
    *goals.ROUTES,
    *portfolios.ROUTES,
    *status_updates.ROUTES,
    *time_tracking.ROUTES,
    *resourcing.ROUTES,
    *roles.ROUTES,
    *admin.ROUTES,
    *events.ROUTES,
    *reactions.ROUTES,
    *batch.ROUTES,
]
