"""Write cases for webhooks, access requests, exports and rule triggers."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.helpers import workspace
from tests.sandbox.webhook_receiver import shared_target
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _acme(store: Store) -> str:
    return workspace(store)["gid"]


def _project(store: Store) -> Record:
    return store.related("project", "workspace", _acme(store))[0]


def _webhook(store: Store) -> str:
    return store.all("webhook")[0]["gid"]


def _pending(store: Store) -> str:
    return next(r["gid"] for r in store.all("access_request") if r["approval_status"] == "pending")


def _answered(store: Store) -> str:
    return next(r["gid"] for r in store.all("access_request") if r["approval_status"] != "pending")


def _trigger(store: Store) -> Record:
    return store.all("rule_trigger")[0]


def _task_of(store: Store, project_gid: str) -> str:
    return store.related("task", "projects", project_gid)[0]["gid"]


CASES = [
    WriteCase(
        "POST /webhooks",
        lambda s: WriteRequest(
            "/webhooks",
            {
                "data": {
                    "resource": _project(s)["gid"],
                    "target": shared_target("/asana"),  # answers the handshake (loopback allowed)
                    "filters": [{"resource_type": "task", "action": "changed", "fields": ["due_on"]}],
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /webhooks",
        lambda s: WriteRequest(
            "/webhooks", {"data": {"resource": _acme(s), "target": "https://hooks.example.com/asana"}}
        ),
        400,
        "workspace without filters",
    ),
    WriteCase(
        "POST /webhooks",
        lambda s: WriteRequest(
            "/webhooks", {"data": {"resource": _project(s)["gid"], "target": "https://10.1.2.3/hook"}}
        ),
        403,
        "private address target",
    ),
    WriteCase(
        "PUT /webhooks/{webhook_gid}",
        lambda s: WriteRequest(
            f"/webhooks/{_webhook(s)}",
            {"data": {"filters": [{"resource_type": "story", "action": "added"}]}},
        ),
    ),
    WriteCase("DELETE /webhooks/{webhook_gid}", lambda s: WriteRequest(f"/webhooks/{_webhook(s)}")),
    WriteCase(
        "POST /access_requests",
        lambda s: WriteRequest(
            "/access_requests", {"data": {"target": _project(s)["gid"], "message": "May I join?"}}
        ),
        201,
    ),
    WriteCase(
        "POST /access_requests",
        lambda s: WriteRequest("/access_requests", {"data": {"message": "Anything"}}),
        400,
        "no target",
    ),
    WriteCase(
        "POST /access_requests/{access_request_gid}/approve",
        lambda s: WriteRequest(f"/access_requests/{_pending(s)}/approve"),
    ),
    WriteCase(
        "POST /access_requests/{access_request_gid}/approve",
        lambda s: WriteRequest(f"/access_requests/{_answered(s)}/approve"),
        400,
        "already answered",
    ),
    WriteCase(
        "POST /access_requests/{access_request_gid}/reject",
        lambda s: WriteRequest(f"/access_requests/{_pending(s)}/reject"),
    ),
    WriteCase(
        "POST /exports/graph",
        lambda s: WriteRequest("/exports/graph", {"data": {"parent": _project(s)["gid"]}}),
        201,
    ),
    WriteCase(
        "POST /exports/graph",
        lambda s: WriteRequest("/exports/graph", {"data": {"parent": _task_of(s, _project(s)["gid"])}}),
        400,
        "a task is no graph parent",
    ),
    WriteCase(
        "POST /exports/resource",
        lambda s: WriteRequest(
            "/exports/resource",
            {
                "data": {
                    "workspace": _acme(s),
                    "export_request_parameters": [
                        {"resource_type": "task", "fields": ["name", "completed"]},
                        {"resource_type": "team"},
                    ],
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /organization_exports",
        lambda s: WriteRequest("/organization_exports", {"data": {"organization": _acme(s)}}),
        201,
    ),
    WriteCase(
        "POST /rule_triggers/{rule_trigger_gid}/run",
        lambda s: WriteRequest(
            f"/rule_triggers/{_trigger(s)['gid']}/run",
            {
                "data": {
                    "resource": _task_of(s, _trigger(s)["project"]["gid"]),
                    "action_data": {"ticket": "JIRA-12"},
                }
            },
        ),
    ),
    WriteCase(
        "POST /rule_triggers/{rule_trigger_gid}/run",
        lambda s: WriteRequest(
            f"/rule_triggers/{_trigger(s)['gid']}/run",
            {"data": {"resource": _task_of(s, _trigger(s)["project"]["gid"])}},
        ),
        400,
        "no action_data",
    ),
]
