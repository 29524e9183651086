"""Compact records by default, `opt_fields` (dotted paths, `this.` prefix) to choose fields."""

from __future__ import annotations

from asana_sandbox.projection import resource_fields

from .helpers import assigned_task, busiest_project


def test_lists_return_compact_records_without_opt_fields(demo) -> None:
    project = busiest_project(demo.store)
    response = demo.get(f"/projects/{project['gid']}/tasks")
    assert response.status_code == 200
    compact = set(resource_fields()["task"]["compact"])
    records = response.json()["data"]
    assert records
    for record in records:
        assert set(record) <= compact
        assert {"gid", "resource_type", "name"} <= set(record)


def test_opt_fields_returns_gid_and_exactly_the_fields_asked_for(demo) -> None:
    project = busiest_project(demo.store)
    response = demo.get(f"/projects/{project['gid']}/tasks", opt_fields="name,modified_at")
    records = response.json()["data"]
    assert records
    for record in records:
        assert set(record) == {"gid", "name", "modified_at"}


def test_dotted_opt_fields_resolve_fields_of_the_referenced_object(demo) -> None:
    task = assigned_task(demo.store)
    user = demo.store.get(task["assignee"]["gid"])
    assert "email" not in task["assignee"]  # the embedded reference is compact: email comes from the user
    response = demo.get(f"/tasks/{task['gid']}", opt_fields="assignee.email")
    assert response.json()["data"] == {
        "gid": task["gid"],
        "assignee": {"gid": user["gid"], "email": user["email"]},
    }


def test_this_prefix_in_opt_fields_is_the_object_itself(demo) -> None:
    task = assigned_task(demo.store)
    response = demo.get(f"/tasks/{task['gid']}", opt_fields="this.name,this.assignee.name")
    assert response.json()["data"] == {
        "gid": task["gid"],
        "name": task["name"],
        "assignee": {"gid": task["assignee"]["gid"], "name": task["assignee"]["name"]},
    }


def test_get_one_returns_the_default_fields_but_not_the_opt_in_ones(demo) -> None:
    task = assigned_task(demo.store)
    entry = resource_fields()["task"]
    opt_in = set(entry["fields"]) - set(entry["default"])
    assert {"html_notes", "num_subtasks"} <= opt_in  # documented as opt-in in the spec's opt_fields list
    record = demo.get(f"/tasks/{task['gid']}").json()["data"]
    assert set(record) <= set(entry["default"])
    assert not set(record) & opt_in
    assert {"gid", "name", "notes", "completed", "modified_at", "assignee", "projects", "memberships"} <= set(
        record
    )


def test_opt_in_fields_come_when_asked_for(demo) -> None:
    task = assigned_task(demo.store)
    record = demo.get(f"/tasks/{task['gid']}", opt_fields="html_notes,num_subtasks").json()["data"]
    assert record == {
        "gid": task["gid"],
        "html_notes": task["html_notes"],
        "num_subtasks": task["num_subtasks"],
    }


def test_private_store_keys_are_never_rendered(demo) -> None:
    workspace = next(w for w in demo.store.all("workspace") if "_tier" in w)
    record = demo.get(f"/workspaces/{workspace['gid']}", opt_fields="name,_tier").json()["data"]
    assert record == {"gid": workspace["gid"], "name": workspace["name"]}


def test_dotted_opt_fields_walk_lists_of_references(demo) -> None:
    task = next(t for t in demo.store.all("task") if len(t.get("followers") or ()) > 1)
    record = demo.get(f"/tasks/{task['gid']}", opt_fields="followers.email").json()["data"]
    emails = {demo.store.get(f["gid"])["email"] for f in task["followers"]}
    assert {f["email"] for f in record["followers"]} == emails
    assert all(set(f) == {"gid", "email"} for f in record["followers"])


def test_dotted_opt_fields_reach_into_nested_objects_without_gid(demo) -> None:
    task = next(
        t for t in demo.store.all("task") if any(m.get("section") for m in t.get("memberships") or ())
    )
    record = demo.get(f"/tasks/{task['gid']}", opt_fields="memberships.section.name").json()["data"]
    sections = [m["section"] for m in record["memberships"] if "section" in m]
    assert sections
    for section in sections:
        assert set(section) == {"gid", "name"}
        assert section["name"] == demo.store.get(section["gid"])["name"]
