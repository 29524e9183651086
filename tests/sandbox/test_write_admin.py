"""Webhooks, access requests, exports and rule triggers through the write API.

Tests of refused requests share the module's `demo` sandbox (a refused request writes nothing, which they
check); the others get a fresh `sandbox` each.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from asana_sandbox.store import Record
from tests.sandbox.helpers import PERSONAL, error_message, gids, workspace
from tests.sandbox.webhook_receiver import shared_target
from tests.sandbox_client import SandboxClient

TARGET = "https://hooks.example.com/asana/1"


def _project(client: SandboxClient, name: str | None = None) -> Record:
    acme = workspace(client.store)["gid"]
    projects = client.store.related("project", "workspace", acme)
    return next(p for p in projects if name is None or p["name"] == name)


def _counts(client: SandboxClient) -> dict[str, int]:
    return client.store.counts()


def _refused(client: SandboxClient, method: str, path: str, body: Any, status: int, message: str) -> None:
    """The request is refused with `status` and a message containing `message`, and writes nothing."""
    before = _counts(client)
    response = client.post(path, body) if method == "POST" else client.put(path, body)
    assert response.status_code == status, response.text
    assert message in error_message(response.json())
    assert _counts(client) == before


def _until_done(client: SandboxClient, path: str, field: str, done: str) -> dict[str, Any]:
    """Poll `path` until its `field` is `done` (exports finish a moment after they are requested)."""
    deadline = time.monotonic() + 10
    while True:
        data = client.get(path).json()["data"]
        if data[field] == done or time.monotonic() > deadline:
            return data
        time.sleep(0.1)


# -- webhooks -----------------------------------------------------------------------------------------------
def test_create_webhook_answers_its_secret_and_is_listed_active(sandbox: SandboxClient) -> None:
    """The target (a local receiver, loopback allowed) answered the handshake: the webhook is delivering."""
    sandbox.control("webhooks", {"allow_loopback": True})
    target = shared_target("/asana/1")
    project = _project(sandbox)
    acme = workspace(sandbox.store)["gid"]
    filters = [{"resource_type": "task", "action": "changed", "fields": ["due_on", "name"]}]
    response = sandbox.post("/webhooks", {"resource": project["gid"], "target": target, "filters": filters})
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{64}", body["X-Hook-Secret"])
    hook = body["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/webhooks/{hook['gid']}")
    assert (hook["active"], hook["target"], hook["resource"]["gid"]) == (True, target, project["gid"])
    assert (hook["last_success_at"], hook["last_failure_at"], hook["delivery_retry_count"]) == (None, None, 0)
    assert hook["filters"] == filters
    # The heartbeat that follows the handshake may have been delivered since: it sets `last_success_at`.
    read = sandbox.get(f"/webhooks/{hook['gid']}").json()["data"]
    assert {**read, "last_success_at": None} == hook
    assert hook["gid"] in gids(sandbox.get("/webhooks", workspace=acme, resource=project["gid"]).json())


def test_webhooks_on_larger_scoped_resources_need_whitelisted_filters(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    team = sandbox.store.all("team")[0]["gid"]
    refused = "Webhooks for larger scoped resources must have at least one filter"
    for resource, filters in (
        (acme, None),
        (acme, [{"resource_type": "task", "action": "changed"}]),
        (team, [{"resource_type": "project", "action": "changed", "fields": ["name"]}]),
        (team, [{"resource_type": "team_membership", "action": "changed"}]),
    ):
        body = {"resource": resource, "target": TARGET, "filters": filters}
        _refused(sandbox, "POST", "/webhooks", body, 400, refused)
    sandbox.control("webhooks", {"allow_loopback": True})
    for resource, filters in (
        (acme, [{"resource_type": "project", "action": "added"}]),
        (team, [{"resource_type": "team_membership", "action": "removed"}]),
    ):
        body = {"resource": resource, "target": shared_target(), "filters": filters}
        assert sandbox.post("/webhooks", body).status_code == 201


@pytest.mark.parametrize(
    ("target", "status", "message"),
    [
        ("not a url", 400, "target: Not a valid URL"),
        ("ftp://hooks.example.com/x", 400, "target: Not a valid URL"),
        ("https://localhost/hook", 403, "target: Invalid hostname: localhost"),
        ("http://127.0.0.1:8080/hook", 403, "target: Invalid hostname: 127.0.0.1"),
        ("https://10.1.2.3/hook", 403, "target: Invalid hostname: 10.1.2.3"),
    ],
)
def test_webhook_targets_must_be_reachable_urls(
    demo: SandboxClient, target: str, status: int, message: str
) -> None:
    body = {"resource": _project(demo)["gid"], "target": target}
    _refused(demo, "POST", "/webhooks", body, status, message)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"target": TARGET}, "resource: Missing input"),
        ({"resource": "PROJECT"}, "target: Missing input"),
        ({"resource": "12345", "target": TARGET}, "resource: Not a recognized ID: 12345"),
        ({"resource": "PROJECT", "target": TARGET, "filters": "task"}, "filters: Not an array"),
        (
            {"resource": "PROJECT", "target": TARGET, "filters": [{"action": "exploded"}]},
            "filters[0].action: Not one of the allowed values",
        ),
        (
            {"resource": "PROJECT", "target": TARGET, "filters": [{"action": "added", "fields": ["name"]}]},
            "filters[0].fields: Only valid for the action changed",
        ),
    ],
)
def test_bad_webhook_requests_are_refused(demo: SandboxClient, body: dict[str, Any], message: str) -> None:
    body = {k: _project(demo)["gid"] if v == "PROJECT" else v for k, v in body.items()}
    _refused(demo, "POST", "/webhooks", body, 400, message)


def test_update_replaces_the_filters_only(sandbox: SandboxClient) -> None:
    hook = sandbox.store.all("webhook")[0]
    new = [{"resource_type": "story", "action": "added"}]
    updated = sandbox.put(f"/webhooks/{hook['gid']}", {"filters": new}).json()["data"]
    assert updated["filters"] == new
    _refused(sandbox, "PUT", f"/webhooks/{hook['gid']}", {"target": TARGET}, 400, "target: Cannot write this")
    assert sandbox.get(f"/webhooks/{hook['gid']}").json()["data"]["filters"] == new


def test_delete_webhook_answers_empty_data_and_it_is_gone(sandbox: SandboxClient) -> None:
    hook = sandbox.store.all("webhook")[0]
    acme = workspace(sandbox.store)["gid"]
    response = sandbox.delete(f"/webhooks/{hook['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert sandbox.get(f"/webhooks/{hook['gid']}").status_code == 404
    assert hook["gid"] not in gids(sandbox.get("/webhooks", workspace=acme).json())
    assert sandbox.delete(f"/webhooks/{hook['gid']}").status_code == 404


# -- access requests ----------------------------------------------------------------------------------------
def _not_mine(client: SandboxClient) -> Record:
    """A project of Acme Corp the token's user is no member of."""
    me = client.store.all("user")[0]["gid"]
    return next(
        p
        for p in client.store.related("project", "workspace", workspace(client.store)["gid"])
        if all(m["gid"] != me for m in p["members"])
    )


def test_an_approved_request_makes_the_requester_a_member(sandbox: SandboxClient) -> None:
    project = _not_mine(sandbox)
    response = sandbox.post("/access_requests", {"target": project["gid"], "message": "May I join?"})
    assert response.status_code == 201
    request = response.json()["data"]
    assert (request["approval_status"], request["message"], request["target"]["gid"]) == (
        "pending",
        "May I join?",
        project["gid"],
    )
    assert request["gid"] in gids(sandbox.get("/access_requests", target=project["gid"]).json())
    answer = sandbox.post(f"/access_requests/{request['gid']}/approve")
    assert (answer.status_code, answer.json()) == (200, {"data": {}})
    assert request["gid"] not in gids(sandbox.get("/access_requests", target=project["gid"]).json())
    members = sandbox.get(f"/projects/{project['gid']}", opt_fields="members").json()["data"]["members"]
    assert request["requester"]["gid"] in {m["gid"] for m in members}
    memberships = sandbox.get("/memberships", parent=project["gid"], opt_fields="member", limit=100).json()
    assert request["requester"]["gid"] in {m["member"]["gid"] for m in memberships["data"]}


def test_a_rejected_request_leaves_the_list_and_cannot_be_answered_again(sandbox: SandboxClient) -> None:
    project = _not_mine(sandbox)
    request = sandbox.post("/access_requests", {"target": project["gid"]}).json()["data"]
    assert sandbox.post(f"/access_requests/{request['gid']}/reject").json() == {"data": {}}
    assert request["gid"] not in gids(sandbox.get("/access_requests", target=project["gid"]).json())
    assert all(m["gid"] != request["requester"]["gid"] for m in project["members"])
    again = sandbox.post(f"/access_requests/{request['gid']}/approve")
    assert (again.status_code, error_message(again.json())) == (
        400,
        f"access_request_gid: Access request {request['gid']} is already denied",
    )


def test_access_requests_are_a_premium_feature(demo: SandboxClient) -> None:
    personal = workspace(demo.store, PERSONAL)["gid"]
    project = demo.store.related("project", "workspace", personal)[0]
    _refused(demo, "POST", "/access_requests", {"target": project["gid"]}, 402, "Payment Required")
    _refused(demo, "POST", "/access_requests", {"message": "hi"}, 400, "target: Missing input")
    task = demo.store.all("task")[0]["gid"]
    _refused(demo, "POST", "/access_requests", {"target": task}, 400, f"target: Not a recognized ID: {task}")
    assert demo.post("/access_requests/1/approve").status_code == 404


def test_with_a_personal_token_only_an_admin_of_the_target_answers(sandbox_factory) -> None:
    client = sandbox_factory(service_account=False)
    me = client.store.all("user")[0]["gid"]
    request = next(
        r
        for r in client.store.all("access_request")
        if r["approval_status"] == "pending"
        and (client.store.get(r["target"]["gid"]).get("owner") or {}).get("gid") != me
    )
    before = _counts(client)
    response = client.post(f"/access_requests/{request['gid']}/approve")
    assert response.status_code == 403
    assert (_counts(client), request["approval_status"]) == (before, "pending")


# -- exports ------------------------------------------------------------------------------------------------
def test_a_graph_export_is_a_job_that_finishes_after_the_request(sandbox: SandboxClient) -> None:
    project = _project(sandbox)
    response = sandbox.post("/exports/graph", {"parent": project["gid"]})
    assert response.status_code == 201
    job = response.json()["data"]
    assert set(job) == {"gid", "resource_type", "resource_subtype", "status", "new_graph_export"}
    assert (job["resource_type"], job["status"], job["new_graph_export"]["download_url"]) == (
        "job",
        "in_progress",
        None,
    )
    assert response.headers["Location"].endswith(f"/api/1.0/jobs/{job['gid']}")
    done = _until_done(sandbox, f"/jobs/{job['gid']}", "status", "succeeded")
    assert done["status"] == "succeeded"
    export = done["new_graph_export"]
    assert export["gid"] == job["new_graph_export"]["gid"]
    assert export["download_url"].endswith(".json.gz") and export["completed_at"] >= export["created_at"]


def test_a_workspace_runs_one_resource_export_at_a_time(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    body = {"workspace": acme, "export_request_parameters": [{"resource_type": "task", "fields": ["name"]}]}
    first = sandbox.post("/exports/resource", body)
    assert first.status_code == 201
    job = first.json()["data"]
    assert (job["resource_subtype"], job["new_resource_export"]["download_url"]) == ("export_request", None)
    second = sandbox.post("/exports/resource", body)
    assert second.status_code == 403
    assert "one in progress export request" in error_message(second.json())
    assert _until_done(sandbox, f"/jobs/{job['gid']}", "status", "succeeded")["status"] == "succeeded"
    assert sandbox.post("/exports/resource", body).status_code == 201


def test_exports_are_for_enterprise_service_accounts(demo: SandboxClient, sandbox_factory) -> None:
    personal = workspace(demo.store, PERSONAL)
    _refused(demo, "POST", "/exports/resource", {"workspace": personal["gid"]}, 402, "Enterprise")
    _refused(demo, "POST", "/organization_exports", {"organization": personal["gid"]}, 402, "Enterprise")
    task = demo.store.all("task")[0]["gid"]
    _refused(demo, "POST", "/exports/graph", {"parent": task}, 400, f"parent: Not a recognized ID: {task}")
    acme = workspace(demo.store)["gid"]
    bad = {"workspace": acme, "export_request_parameters": [{"resource_type": "project"}]}
    _refused(
        demo, "POST", "/exports/resource", bad, 400, "export_request_parameters[0].resource_type: Not one of"
    )
    personal_token = sandbox_factory(service_account=False)
    response = personal_token.post("/exports/graph", {"parent": _project(personal_token)["gid"]})
    assert (response.status_code, error_message(response.json())) == (
        403,
        "This endpoint is only available to Service Account tokens.",
    )


def test_an_organization_export_is_pending_then_finished(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    response = sandbox.post("/organization_exports", {"organization": acme})
    assert response.status_code == 201
    export = response.json()["data"]
    assert (export["state"], export["download_url"], export["organization"]["gid"]) == ("pending", None, acme)
    done = _until_done(sandbox, f"/organization_exports/{export['gid']}", "state", "finished")
    assert done["state"] == "finished" and done["download_url"].endswith(f"{export['gid']}.json.gz")


# -- rule triggers ------------------------------------------------------------------------------------------
def _triggers(client: SandboxClient) -> list[dict[str, Any]]:
    return client.control("rule_triggers")["data"]


def test_running_a_rule_records_the_run(sandbox: SandboxClient) -> None:
    trigger = _triggers(sandbox)[0]
    task = sandbox.store.related("task", "projects", trigger["project"]["gid"])[0]
    data = {"ticket": "JIRA-12", "priority": 2}
    response = sandbox.post(
        f"/rule_triggers/{trigger['gid']}/run", {"resource": task["gid"], "action_data": data}
    )
    assert (response.status_code, response.json()) == (
        200,
        {"data": {"message": "Successfully saved the payload and ran the rule"}},
    )
    [run] = next(t for t in _triggers(sandbox) if t["gid"] == trigger["gid"])["runs"]
    assert (run["resource"]["gid"], run["action_data"], run["user"]["gid"]) == (
        task["gid"],
        data,
        sandbox.store.all("user")[0]["gid"],
    )


def test_rule_triggers_are_seeded_alike_and_made_through_the_control_endpoint(
    demo: SandboxClient, sandbox: SandboxClient
) -> None:
    seeded = [(t["gid"], t["project"]["gid"]) for t in _triggers(sandbox)]
    assert seeded and seeded == [(t["gid"], t["project"]["gid"]) for t in _triggers(demo)]
    personal = workspace(sandbox.store, PERSONAL)["gid"]
    assert all(sandbox.store.get(p)["workspace"]["gid"] != personal for _, p in seeded)  # rules are paid
    project = _project(sandbox, "Q2 Design System")
    made = sandbox.control("rule_triggers", {"project": project["gid"], "name": "From Jira"})["data"]
    assert (made["name"], made["project"]["gid"], made["runs"]) == ("From Jira", project["gid"], [])
    task = sandbox.store.related("task", "projects", project["gid"])[0]
    run = sandbox.post(f"/rule_triggers/{made['gid']}/run", {"resource": task["gid"], "action_data": {}})
    assert run.status_code == 200
    bad = requests.post(f"{sandbox.root_url}/_sandbox/rule_triggers", json={"project": "1"}, timeout=30)
    assert bad.status_code == 400


def test_bad_rule_runs_are_refused_and_record_nothing(demo: SandboxClient) -> None:
    trigger = _triggers(demo)[0]
    path = f"/rule_triggers/{trigger['gid']}/run"
    inside = demo.store.related("task", "projects", trigger["project"]["gid"])[0]["gid"]
    outside = next(t["gid"] for t in demo.store.all("task") if not t["projects"])
    for body, message in (
        ({"action_data": {}}, "resource: Missing input"),
        ({"resource": inside}, "action_data: Missing input"),
        ({"resource": inside, "action_data": [1]}, "action_data: Not an object"),
        ({"resource": outside, "action_data": {}}, f"resource: Task {outside} is not in project"),
    ):
        _refused(demo, "POST", path, body, 400, message)
    assert demo.post("/rule_triggers/1/run", {"resource": inside, "action_data": {}}).status_code == 404
    assert next(t for t in _triggers(demo) if t["gid"] == trigger["gid"])["runs"] == []
