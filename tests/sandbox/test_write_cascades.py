"""A delete leaves no reference to what it removed, except where Asana keeps one as history.

For every DELETE route: in a fresh demo sandbox (with cross-domain links the demo lacks added through the API
first), delete objects of the route's type through the API (the most referenced ones, until every kind of
reference to that type has been covered), then scan every record left in the store for a reference to a gid
that left it: a compact reference (`{"gid": ..., "resource_type": ...}`) or a bare gid, at any depth. What
may remain is listed in `HISTORY`: records that tell what happened (stories, audit log events, jobs, rule
runs) and webhooks, which outlive their resource to report its `deleted` (and an `undeleted`, as a task
comes back from the trash).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from asana_sandbox.routes import ROUTES
from asana_sandbox.store import Record, Store
from tests.sandbox.helpers import workspace
from tests.sandbox.webhook_receiver import shared_target
from tests.sandbox_client import SandboxClient

# Each DELETE route and the resource types its path parameter names.
DELETE_ROUTES: dict[str, tuple[str, ...]] = {
    "/allocations/{allocation_gid}": ("allocation",),
    "/attachments/{attachment_gid}": ("attachment",),
    "/budgets/{budget_gid}": ("budget",),
    "/custom_fields/{custom_field_gid}": ("custom_field",),
    "/goals/{goal_gid}": ("goal",),
    "/memberships/{membership_gid}": ("membership", "project_membership", "portfolio_membership"),
    "/ooo_entries/{ooo_entry_gid}": ("ooo_entry",),
    "/portfolios/{portfolio_gid}": ("portfolio",),
    "/project_briefs/{project_brief_gid}": ("project_brief",),
    "/project_statuses/{project_status_gid}": ("project_status",),
    "/project_templates/{project_template_gid}": ("project_template",),
    "/projects/{project_gid}": ("project",),
    "/rates/{rate_gid}": ("rate",),
    "/roles/{role_gid}": ("role",),
    "/sections/{section_gid}": ("section",),
    "/status_updates/{status_update_gid}": ("status_update",),
    "/stories/{story_gid}": ("story",),
    "/tags/{tag_gid}": ("tag",),
    "/task_templates/{task_template_gid}": ("task_template",),
    "/tasks/{task_gid}": ("task",),
    "/time_tracking_categories/{time_tracking_category_gid}": ("time_tracking_category",),
    "/time_tracking_entries/{time_tracking_entry_gid}": ("time_tracking_entry",),
    "/webhooks/{webhook_gid}": ("webhook",),
}

_REFERABLE = ("task", "project", "portfolio", "goal")  # what a reference custom field value holds
_WATCHED = ("project", "section", "task", "tag", "goal", "portfolio")  # deletable resources of webhooks
# References to a deleted object that Asana keeps: (type of the record holding it, field path, type of the
# deleted object).
HISTORY: frozenset[tuple[str, str, str]] = frozenset(
    {
        # Stories are the record of what happened to a task: "added to <project>", "moved from <section>",
        # "added to <parent task>" keep naming what was there then.
        ("story", "project", "project"),
        ("story", "old_section", "section"),
        ("story", "new_section", "section"),
        ("story", "task", "task"),
        ("story", "custom_field", "custom_field"),
        *(("story", f"{age}_reference_value", kind) for age in ("old", "new") for kind in _REFERABLE),
        # The audit log records past actions on resources, deleted ones included (its `task_deleted` events).
        ("audit_log_event", "resource", "attachment"),
        ("audit_log_event", "resource", "project"),
        ("audit_log_event", "resource", "task"),
        # A job tells what it made; deleting that later does not rewrite the job.
        ("job", "new_project", "project"),
        ("job", "new_task", "task"),
        # A rule trigger's runs record the task each run was for.
        ("rule_trigger", "_runs.resource", "task"),
        # A webhook reports its resource's `deleted` (and `undeleted`, for a task back from the trash).
        *(("webhook", "resource", kind) for kind in _WATCHED),
    }
)


def test_every_delete_route_is_scanned() -> None:
    assert {r.path for r in ROUTES if r.method == "DELETE"} == set(DELETE_ROUTES)


# -- the scan ---------------------------------------------------------------------------------------------
def _gids(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, gid) of every reference in a record's fields: compact objects and bare gid strings."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "gid":
                if path and isinstance(item, str):
                    yield path, item
                continue
            yield from _gids(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from _gids(item, path)
    elif isinstance(value, str) and value.isdigit() and path:
        yield path, value


def _referrers(store: Store) -> dict[str, set[tuple[str, str]]]:
    """For each gid, the (holder type, field path) pairs that refer to it."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for record in store.objects.values():
        for path, gid in _gids(record):
            out[gid].add((record["resource_type"], path))
    return out


def _leftovers(store: Store, gone: dict[str, str]) -> Counter[tuple[str, str, str]]:
    """(holder type, field path, type of the gone object) of every reference to a gid in `gone`."""
    found: Counter[tuple[str, str, str]] = Counter()
    for record in store.objects.values():
        for path, gid in _gids(record):
            if gid in gone:
                found[(record["resource_type"], path, gone[gid])] += 1
    return found


# -- links the demo does not have -------------------------------------------------------------------------
def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]


def _link_domains(client: SandboxClient) -> None:
    """Cross-domain references made through the API, so that each delete has one to clean up."""
    store = client.store
    space = workspace(store)
    me = _ok(client.get("/users/me"))["gid"]
    projects = [p for p in store.related("project", "workspace", space["gid"]) if not p.get("archived")]
    project, other = projects[0], projects[1]
    task = next(t for t in store.related("task", "projects", project["gid"]) if not t.get("parent"))
    portfolio = store.related("portfolio", "workspace", space["gid"])[0]
    goal = store.related("goal", "workspace", space["gid"])[0]
    # A project, a task and a portfolio support a goal.
    for resource in (project, task, portfolio):
        path = f"/goals/{goal['gid']}/addSupportingRelationship"
        _ok(client.post(path, {"supporting_resource": resource["gid"]}))
    # A project status (deprecated) and the status update it comes with.
    _ok(client.post(f"/projects/{other['gid']}/project_statuses", {"text": "Fine", "color": "green"}))
    # A reference field holding a task, a project, a portfolio and a goal, on a task and on a project.
    field = _ok(
        client.post(
            "/custom_fields",
            {
                "workspace": space["gid"],
                "name": "Related work",
                "resource_subtype": "reference",
                "input_restrictions": ["task", "project", "portfolio", "goal"],
            },
        )
    )
    _ok(client.post(f"/projects/{other['gid']}/addCustomFieldSetting", {"custom_field": field["gid"]}))
    held = [task["gid"], project["gid"], portfolio["gid"], goal["gid"]]
    holder = next(t for t in store.related("task", "projects", other["gid"]) if t["gid"] != task["gid"])
    _ok(client.put(f"/tasks/{holder['gid']}", {"custom_fields": {field["gid"]: held}}))
    _ok(client.put(f"/projects/{other['gid']}", {"custom_fields": {field["gid"]: held}}))
    # Custom field values on a user.
    fields = store.related("custom_field", "_workspace", space["gid"])
    text = next(f for f in fields if f["type"] == "text")
    values = {"custom_fields": {text["gid"]: "On call"}}
    _ok(client.put(f"/users/{me}", values, params={"workspace": space["gid"]}))
    # Time logged on a task in two projects.
    _ok(client.post(f"/tasks/{task['gid']}/addProject", {"project": other["gid"]}))
    _ok(client.post(f"/tasks/{task['gid']}/time_tracking_entries", {"duration_minutes": 90}))
    # A section of a project that is a task's place in its assignee's My Tasks.
    section = store.related("section", "project", other["gid"])[-1]
    assigned = {"assignee": me, "assignee_section": section["gid"]}
    _ok(client.put(f"/tasks/{holder['gid']}", assigned))
    # A run of a rule of the task's project.
    trigger = store.related("rule_trigger", "project", project["gid"])[0]
    run = {"resource": task["gid"], "action_data": {"ticket": "JIRA-7"}}
    _ok(client.post(f"/rule_triggers/{trigger['gid']}/run", run))
    # A comment of the token's user (the only stories a user can delete are their own comments).
    _ok(client.post(f"/tasks/{holder['gid']}/stories", {"text": "Noted."}))
    # Webhooks on objects that can be deleted (a portfolio's must filter).
    tag = store.related("tag", "workspace", space["gid"])[0]
    client.control("webhooks", {"allow_loopback": True})
    target = shared_target()  # a local receiver that answers the handshake
    for resource in (project, task, section, goal, tag):
        _ok(client.post("/webhooks", {"resource": resource["gid"], "target": target}))
    filters = [{"resource_type": "project", "action": "added"}]
    _ok(client.post("/webhooks", {"resource": portfolio["gid"], "target": target, "filters": filters}))


# -- the test ---------------------------------------------------------------------------------------------
def _empty(client: SandboxClient, section: Record) -> None:
    """Move a section's tasks to another section of its project: only an empty section can be deleted."""
    store = client.store
    siblings = store.related("section", "project", section["project"]["gid"])
    others = [s for s in siblings if s["gid"] != section["gid"]]
    for task in list(store.related("task", "memberships.section", section["gid"])):
        if others:
            client.post(f"/sections/{others[0]['gid']}/addTask", {"task": task["gid"]})


def _delete_all_kinds(client: SandboxClient, path: str) -> tuple[list[str], dict[str, str]]:
    """Delete objects of the route's types, most referenced first, until each kind of reference to them (and
    each of their subtypes) is covered; refused deletes (a story not one's own comment...) are skipped.

    Returns the gids deleted through the route, and every gid that left the store with its type.
    """
    store = client.store
    referrers = _referrers(store)
    for record in store.objects.values():  # each subtype of a type counts as a kind to cover
        referrers[record["gid"]].add(("", record.get("resource_subtype") or ""))
    candidates = [r for kind in DELETE_ROUTES[path] for r in store.all(kind)]
    candidates.sort(key=lambda r: -len(referrers[r["gid"]]))
    before = {gid: r["resource_type"] for gid, r in store.objects.items()}
    covered: set[tuple[str, str]] = set()
    deleted: list[str] = []
    for candidate in candidates:
        if candidate["gid"] not in store.objects or (deleted and referrers[candidate["gid"]] <= covered):
            continue
        if candidate["resource_type"] == "section":
            _empty(client, candidate)
        response = client.delete(path.split("{")[0] + candidate["gid"])
        if response.status_code == 200:
            deleted.append(candidate["gid"])
            covered |= referrers[candidate["gid"]]
    gone = {gid: kind for gid, kind in before.items() if gid not in store.objects}
    return deleted, gone


@pytest.mark.parametrize("path", sorted(DELETE_ROUTES))
def test_a_delete_leaves_no_reference_behind(sandbox: SandboxClient, path: str) -> None:
    _link_domains(sandbox)
    deleted, gone = _delete_all_kinds(sandbox, path)
    assert deleted, f"nothing of {DELETE_ROUTES[path]} could be deleted"
    left = {key: n for key, n in _leftovers(sandbox.store, gone).items() if key not in HISTORY}
    assert left == {}, sorted(left.items())
