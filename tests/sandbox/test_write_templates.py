"""Templates through the write API: save a project as a template, instantiate projects and tasks, delete."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from asana_sandbox.store import Record
from tests.sandbox_client import SandboxClient

from .helpers import ACME, PERSONAL, error_message, gids, workspace


def _state(client: SandboxClient) -> tuple[dict[str, int], int]:
    """What a refused request must leave as it was: the objects and the event log."""
    return client.store.counts(), len(client.store.events)


def _dated_project(client: SandboxClient) -> Record:
    """An organization project with sections and dated top-level tasks."""
    return next(
        p
        for p in client.store.all("project")
        if p["team"]
        and p["start_on"]
        and any(t["due_on"] and not t["parent"] for t in client.store.related("task", "projects", p["gid"]))
    )


def _save(client: SandboxClient, project: Record, **data: object) -> Record:
    response = client.post(
        f"/projects/{project['gid']}/saveAsTemplate", {"name": "Kit", "public": True, **data}
    )
    assert response.status_code == 201, response.text
    job = response.json()["data"]
    assert (job["resource_subtype"], job["status"]) == ("save_project_as_template", "succeeded")
    return client.get(f"/project_templates/{job['new_project_template']['gid']}").json()["data"]


def _instantiate(client: SandboxClient, template: Record, **data: object) -> Record:
    path = f"/project_templates/{template['gid']}/instantiateProject"
    response = client.post(path, {"name": "From the kit", **data})
    assert response.status_code == 201, response.text
    job = response.json()["data"]
    assert (job["resource_subtype"], job["status"]) == ("instantiate_project_template", "succeeded")
    fields = "name,start_on,created_from_template,team,privacy_setting,public"
    return client.get(f"/projects/{job['new_project']['gid']}", opt_fields=fields).json()["data"]


def test_save_as_template_makes_a_listed_template_of_the_project(sandbox: SandboxClient) -> None:
    project = _dated_project(sandbox)
    template = _save(sandbox, project)
    assert (template["name"], template["public"], template["description"]) == ("Kit", True, project["notes"])
    assert template["team"]["gid"] == project["team"]["gid"]
    assert template["owner"]["gid"] == sandbox.get("/users/me").json()["data"]["gid"]
    assert [d["name"] for d in template["requested_dates"]] == ["Start Date"]
    assert template["gid"] in gids(sandbox.get(f"/teams/{project['team']['gid']}/project_templates").json())
    listed = sandbox.get("/project_templates", workspace=project["workspace"]["gid"]).json()
    assert template["gid"] in gids(listed)


def test_instantiating_a_saved_template_remakes_sections_and_tasks_from_the_start_date(
    sandbox: SandboxClient,
) -> None:
    project = _dated_project(sandbox)
    template = _save(sandbox, project)
    new = _instantiate(sandbox, template, requested_dates=[{"gid": "1", "value": "2031-03-03"}])
    assert (new["start_on"], new["created_from_template"]["gid"]) == ("2031-03-03", template["gid"])
    assert new["team"]["gid"] == project["team"]["gid"]
    sections = [s["name"] for s in sandbox.get(f"/projects/{project['gid']}/sections").json()["data"]]
    assert [s["name"] for s in sandbox.get(f"/projects/{new['gid']}/sections").json()["data"]] == sections
    fields = "name,due_on,memberships.section.name"
    source = sandbox.get(f"/projects/{project['gid']}/tasks", opt_fields=fields, limit=100).json()["data"]
    made = sandbox.get(f"/projects/{new['gid']}/tasks", opt_fields=fields, limit=100).json()["data"]
    top = [t for t in source if not sandbox.store.get(t["gid"])["parent"]]
    assert [t["name"] for t in made] == [t["name"] for t in top]
    shift = date(2031, 3, 3) - date.fromisoformat(project["start_on"])
    for old, fresh in zip(top, made, strict=True):
        expected = (date.fromisoformat(old["due_on"]) + shift).isoformat() if old["due_on"] else None
        assert fresh["due_on"] == expected
    assert new["gid"] in gids(sandbox.get(f"/teams/{project['team']['gid']}/projects", limit=100).json())


def test_unfilled_dates_default_to_today_unless_strict(sandbox: SandboxClient) -> None:
    template = sandbox.store.all("project_template")[0]
    new = _instantiate(sandbox, template)
    assert new["start_on"] == datetime.now(timezone.utc).date().isoformat()
    path = f"/project_templates/{template['gid']}/instantiateProject"
    before = _state(sandbox)
    strict = sandbox.post(path, {"name": "Strict", "is_strict": True})
    # The spec: is_strict "returns an Unprocessable Entity error" when a date variable has no value.
    assert strict.status_code == 422
    assert "Start Date" in error_message(strict.json())
    assert _state(sandbox) == before


def test_privacy_and_requested_roles(sandbox: SandboxClient) -> None:
    template = sandbox.store.all("project_template")[0]
    new = _instantiate(sandbox, template, privacy_setting="private")
    assert (new["privacy_setting"], new["public"]) == ("private", False)
    memberships = sandbox.get(f"/projects/{new['gid']}/project_memberships", opt_fields="access_level").json()
    assert [m["access_level"] for m in memberships["data"]] == ["admin"]


def test_instantiate_task_makes_the_recipe_in_the_template_project(sandbox: SandboxClient) -> None:
    template = sandbox.store.all("task_template")[0]
    recipe = template["template"]
    response = sandbox.post(f"/task_templates/{template['gid']}/instantiateTask", {})
    assert response.status_code == 201, response.text
    job = response.json()["data"]
    assert (job["resource_subtype"], job["status"]) == ("instantiate_task_template", "succeeded")
    task = sandbox.get(f"/tasks/{job['new_task']['gid']}").json()["data"]
    assert task["name"] == recipe["name"]  # no name given: the template's
    assert task["notes"] == recipe["description"]
    assert [p["gid"] for p in task["projects"]] == [m["gid"] for m in recipe["memberships"]]
    today = datetime.now(timezone.utc).date()
    assert task["due_on"] == (today + timedelta(days=recipe["relative_due_on"])).isoformat()
    assert {f["gid"] for f in recipe["followers"]} <= {f["gid"] for f in task["followers"]}
    project = recipe["memberships"][0]["gid"]
    assert task["gid"] in gids(sandbox.get(f"/projects/{project}/tasks", limit=100).json())
    named = sandbox.post(f"/task_templates/{template['gid']}/instantiateTask", {"name": "Mine"}).json()[
        "data"
    ]
    assert named["new_task"]["name"] == "Mine"


def test_deleting_a_project_template_removes_it_everywhere(sandbox: SandboxClient) -> None:
    project = _dated_project(sandbox)
    template = _save(sandbox, project)
    made = _instantiate(sandbox, template)
    response = sandbox.delete(f"/project_templates/{template['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert sandbox.get(f"/project_templates/{template['gid']}").status_code == 404
    assert template["gid"] not in gids(
        sandbox.get(f"/teams/{project['team']['gid']}/project_templates").json()
    )
    shown = sandbox.get(f"/projects/{made['gid']}", opt_fields="created_from_template").json()["data"]
    assert shown["created_from_template"] is None


def test_deleting_a_task_template(sandbox: SandboxClient) -> None:
    template = sandbox.store.all("task_template")[0]
    project = template["project"]["gid"]
    sync = sandbox.get("/events", resource=project).json()["sync"]
    assert sandbox.delete(f"/task_templates/{template['gid']}").json() == {"data": {}}
    assert sandbox.get(f"/task_templates/{template['gid']}").status_code == 404
    assert template["gid"] not in gids(sandbox.get("/task_templates", project=project).json())
    events = sandbox.get("/events", resource=project, sync=sync).json()["data"]
    assert [(e["resource"]["gid"], e["action"]) for e in events] == [(template["gid"], "deleted")]


def test_template_deletes_are_premium(sandbox: SandboxClient) -> None:
    """A free workspace's template (saved from one of its projects) cannot be deleted: 402."""
    personal = workspace(sandbox.store, PERSONAL)
    project = next(p for p in sandbox.store.all("project") if p["workspace"]["gid"] == personal["gid"])
    template = _save(sandbox, project, workspace=personal["gid"])
    assert template.get("team") is None
    response = sandbox.delete(f"/project_templates/{template['gid']}")
    assert response.status_code == 402
    assert sandbox.get(f"/project_templates/{template['gid']}").status_code == 200


@pytest.mark.parametrize(
    ("where", "data", "message"),
    [
        ("ORG", {"name": "x"}, "public: Missing input"),
        ("ORG", {"public": True}, "name: Missing input"),
        ("ORG", {"name": "x", "public": "yes"}, "public: Not a boolean"),
        (
            "ORG",
            {"name": "x", "public": True, "workspace": "ACME"},
            "workspace: The project is in an organization",
        ),
        ("ORG", {"name": "x", "public": True, "team": "abc"}, "team: Not a Long: abc"),
        (
            "FREE",
            {"name": "x", "public": True, "team": "TEAM"},
            "team: The project is not in an organization",
        ),
    ],
)
def test_bad_save_as_template_is_refused_and_changes_nothing(
    demo: SandboxClient, where: str, data: dict, message: str
) -> None:
    store = demo.store
    names = {"ACME": workspace(store, ACME)["gid"], "TEAM": store.all("team")[0]["gid"]}
    data = {k: names.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    home = workspace(store, ACME if where == "ORG" else PERSONAL)
    project = next(p for p in store.all("project") if p["workspace"]["gid"] == home["gid"])
    before = _state(demo)
    response = demo.post(f"/projects/{project['gid']}/saveAsTemplate", data)
    assert response.status_code == 400
    assert error_message(response.json()).startswith(message)
    assert _state(demo) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "name: Missing input"),
        (
            {"name": "x", "requested_dates": [{"gid": "7", "value": "2030-01-01"}]},
            "requested_dates: [0].gid:",
        ),
        (
            {"name": "x", "requested_dates": [{"gid": "1", "value": "soon"}]},
            "requested_dates: [0].value: Invalid",
        ),
        ({"name": "x", "requested_dates": "2030-01-01"}, "requested_dates: Not an array"),
        ({"name": "x", "requested_roles": [{"gid": "9", "value": "me"}]}, "requested_roles: [0].gid:"),
        ({"name": "x", "privacy_setting": "secret"}, "privacy_setting: Not one of the allowed values"),
        ({"name": "x", "team": "12345"}, "team: Not a recognized ID: 12345"),
    ],
)
def test_bad_instantiations_are_refused_and_change_nothing(
    demo: SandboxClient, data: dict, message: str
) -> None:
    template = demo.store.all("project_template")[0]
    before = _state(demo)
    response = demo.post(f"/project_templates/{template['gid']}/instantiateProject", data)
    assert response.status_code == 400
    assert error_message(response.json()).startswith(message)
    assert _state(demo) == before


def test_unknown_templates_are_404(demo: SandboxClient) -> None:
    for method, path in (
        ("POST", "/project_templates/1/instantiateProject"),
        ("POST", "/task_templates/1/instantiateTask"),
        ("DELETE", "/project_templates/1"),
        ("DELETE", "/task_templates/1"),
        ("POST", "/projects/1/saveAsTemplate"),
    ):
        response = demo.session.request(
            method, demo.base_url + path, json={"data": {"name": "x"}}, timeout=30
        )
        assert response.status_code == 404, (method, path)
