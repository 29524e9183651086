"""Write cases for status updates on projects, portfolios and goals."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _parent(store: Store, kind: str) -> str:
    return store.all(kind)[0]["gid"]


def _update(store: Store) -> str:
    return store.all("status_update")[0]["gid"]


CASES = [
    WriteCase(
        "POST /status_updates",
        lambda s: WriteRequest(
            "/status_updates",
            {
                "data": {
                    "parent": _parent(s, "project"),
                    "status_type": "at_risk",
                    "title": "Status Update - Jun 15",
                    "text": "The project is moving forward according to plan...",
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /status_updates",
        lambda s: WriteRequest(
            "/status_updates",
            {
                "data": {
                    "parent": _parent(s, "goal"),
                    "status_type": "achieved",
                    "title": "Done",
                    "text": "Done",
                    "html_text": "<body>We <strong>did</strong> it.</body>",
                }
            },
        ),
        201,
        "goal",
    ),
    WriteCase(
        "POST /status_updates",
        lambda s: WriteRequest(
            "/status_updates",
            {"data": {"parent": _parent(s, "portfolio"), "status_type": "achieved", "text": "x"}},
        ),
        400,
        "status type of goals only",
    ),
    WriteCase(
        "DELETE /status_updates/{status_update_gid}", lambda s: WriteRequest(f"/status_updates/{_update(s)}")
    ),
    WriteCase(
        "DELETE /status_updates/{status_update_gid}",
        lambda s: WriteRequest("/status_updates/1"),
        404,
        "unknown",
    ),
]
