"""Administration: webhooks, access requests and the audit log."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec, TableStream
from tap_asana.streams.remembering import RememberingStream


class AuditLogEventsStream(TableStream):
    """Audit log read from `start_at` = the bookmark.

    `next_page` never ends on this endpoint (it is meant to be polled); the shared pagination loop stops
    at the first page with no data. Many events can share a millisecond, so the event at the bookmark
    is emitted again rather than risk dropping its neighbours (at-least-once).
    """

    skip_boundary = False


SPECS = [
    StreamSpec(
        "webhooks",
        "/webhooks",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        description="Webhooks the calling app has registered in each workspace.",
    ),
    StreamSpec(
        "access_requests",
        "/access_requests",
        parent="projects",
        other_parents=("portfolios",),
        params={"target": "{parent_gid}"},
        paginated=False,
        tier="premium",
        description="Pending requests for access to projects and portfolios (Asana lists only pending ones).",
        cls=RememberingStream,
    ),
    StreamSpec(
        "audit_log_events",
        "/workspaces/{workspace_gid}/audit_log_events",
        parent="workspaces",
        replication_key="created_at",
        since_param="start_at",
        tier="enterprise",
        description="Audit log of each organization (Enterprise, service-account token), from `start_at`.",
        cls=AuditLogEventsStream,
    ),
]
