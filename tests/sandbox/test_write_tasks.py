"""Tasks through the write API: create, update, delete, subtasks, parents, projects and sections, followers,
dependencies, custom field values and external data; their events, stories and `modified_at`; bad input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from asana_sandbox.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, SandboxServer
from asana_sandbox.store import Record, Store
from tests.sandbox_client import SandboxClient

from .helpers import ACME, PERSONAL, error_message, gids, workspace

ONE_FILTER = "Must specify exactly one of project, tag, section, user task list, or assignee + workspace"


@pytest.fixture(scope="module")
def client() -> Iterator[SandboxClient]:
    """One demo sandbox for the module: each test writes to objects it creates or picks for itself."""
    server = SandboxServer("demo", requests_per_minute=1_000_000).start()
    yield SandboxClient(server)
    server.stop()


def _acme(client: SandboxClient) -> Record:
    return workspace(client.store, ACME)


def _projects(client: SandboxClient, ws: Record | None = None) -> list[Record]:
    ws = ws or _acme(client)
    return [
        p
        for p in client.store.related("project", "workspace", ws["gid"])
        if client.store.related("section", "project", p["gid"])
    ]


def _sections(client: SandboxClient, project: Record) -> list[Record]:
    return client.store.related("section", "project", project["gid"])


def _new(client: SandboxClient, **data: Any) -> Record:
    data.setdefault("name", "A task")
    if not {"projects", "parent", "workspace"} & set(data):
        data["workspace"] = _acme(client)["gid"]
    response = client.post("/tasks", data)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _get(client: SandboxClient, gid: str, fields: str) -> Record:
    response = client.get(f"/tasks/{gid}", opt_fields=fields)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _events(client: SandboxClient, gid: str) -> list[Record]:
    return [e for _, e, scopes in client.store.events if gid in scopes]


def _stories(client: SandboxClient, gid: str) -> list[str]:
    return [s["resource_subtype"] for s in client.get(f"/tasks/{gid}/stories").json()["data"]]


def _error(response: requests.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    return error_message(response.json())


def _colleague(client: SandboxClient, me: str) -> Record:
    ws = _acme(client)["gid"]
    return next(
        u
        for u in client.store.all("user")
        if u["gid"] != me and any(w["gid"] == ws for w in u.get("workspaces") or ())
    )


# -- create -----------------------------------------------------------------------------------------------
def test_create_in_a_project_answers_201_and_is_listed_in_the_project_and_its_first_section(client) -> None:
    project = _projects(client)[0]
    response = client.post("/tasks", {"name": "Plan", "projects": [project["gid"]]})
    assert response.status_code == 201
    task = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/tasks/{task['gid']}")
    first = _sections(client, project)[0]
    assert task["memberships"] == [
        {
            "project": {"gid": project["gid"], "resource_type": "project", "name": project["name"]},
            "section": {"gid": first["gid"], "resource_type": "section", "name": first["name"]},
        }
    ]
    assert task["workspace"]["gid"] == project["workspace"]["gid"]
    assert task["created_at"] == task["modified_at"]
    assert gids(client.get(f"/projects/{project['gid']}/tasks", limit=100).json())[-1] == task["gid"]
    assert task["gid"] in gids(client.get(f"/sections/{first['gid']}/tasks", limit=100).json())
    added = [e for e in _events(client, project["gid"]) if e["resource"]["gid"] == task["gid"]]
    assert [(e["action"], e["parent"]["gid"]) for e in added] == [
        ("added", project["gid"]),
        ("added", first["gid"]),
    ]


def test_create_with_memberships_puts_the_task_in_the_section(client) -> None:
    project = _projects(client)[1]
    section = _sections(client, project)[-1]
    task = _new(client, memberships=[{"project": project["gid"], "section": section["gid"]}])
    assert task["memberships"][0]["section"]["gid"] == section["gid"]
    assert gids(client.get(f"/sections/{section['gid']}/tasks", limit=100).json())[-1] == task["gid"]
    added = [e for e in _events(client, section["gid"]) if e["resource"]["gid"] == task["gid"]]
    assert ("added", section["gid"]) in {(e["action"], e["parent"]["gid"]) for e in added}
    other = _sections(client, _projects(client)[2])[0]
    response = client.post(
        "/tasks", {"name": "x", "memberships": [{"project": project["gid"], "section": other["gid"]}]}
    )
    assert "is not in project" in _error(response)


def test_create_in_the_workspace_only_with_an_assignee_by_email(client) -> None:
    me = client.store.all("user")[0]
    task = _new(client, assignee=me["email"])
    assert task["projects"] == [] and task["memberships"] == []
    assert task["assignee"]["gid"] == me["gid"]
    assert me["gid"] in {f["gid"] for f in task["followers"]}
    listed = client.get("/tasks", assignee="me", workspace=_acme(client)["gid"], limit=100).json()
    assert task["gid"] in gids(listed)


def test_create_without_a_workspace_project_or_parent_is_refused_with_asanas_message(client) -> None:
    before = len(client.store.all("task"))
    message = _error(client.post("/tasks", {"name": "Nowhere"}))
    assert message == "You should specify one of workspace, parent, projects"
    assert len(client.store.all("task")) == before


def test_the_assignee_becomes_a_follower_and_assigned_by_is_the_requester(client) -> None:
    me = client.store.all("user")[0]["gid"]
    colleague = _colleague(client, me)
    task = _new(client, assignee=colleague["gid"])
    full = _get(client, task["gid"], "assignee,assigned_by,followers,assignee_status")
    assert full["assignee"]["gid"] == colleague["gid"]
    assert full["assigned_by"]["gid"] == me
    assert {f["gid"] for f in full["followers"]} == {me, colleague["gid"]}
    assert full["assignee_status"] == "inbox"
    outsider = next(
        u for u in client.store.all("user") if all(w["name"] != ACME for w in u.get("workspaces") or ())
    )
    assert "Not a user in Organization" in _error(
        client.post("/tasks", {"workspace": _acme(client)["gid"], "assignee": outsider["gid"]})
    )


def test_dates_follow_asanas_rules(client) -> None:
    ws = _acme(client)["gid"]
    both = {"workspace": ws, "due_on": "2026-09-01", "due_at": "2026-09-01T10:00:00Z"}
    assert _error(client.post("/tasks", both)) == "You may only provide one of due_on or due_at!"
    assert "start_on" in _error(client.post("/tasks", {"workspace": ws, "start_on": "2026-09-01"}))
    task = _new(client, due_at="2026-09-01T10:00:00+02:00", start_at="2026-08-30T08:00:00Z")
    assert (task["due_at"], task["due_on"]) == ("2026-09-01T08:00:00.000Z", "2026-09-01")
    assert task["start_on"] == "2026-08-30"
    updated = client.put(f"/tasks/{task['gid']}", {"due_on": "2026-10-02"}).json()["data"]
    assert (updated["due_on"], updated["due_at"]) == ("2026-10-02", None)
    assert "Invalid date" in _error(client.put(f"/tasks/{task['gid']}", {"due_on": "tomorrow"}))


def test_completing_sets_completed_at_and_completed_by(client) -> None:
    task = _new(client, completed=True)
    assert task["completed"] and task["completed_at"] == task["created_at"]
    assert task["completed_by"]["gid"] == client.store.all("user")[0]["gid"]
    reopened = client.put(f"/tasks/{task['gid']}", {"completed": False}).json()["data"]
    assert (reopened["completed"], reopened["completed_at"], reopened["completed_by"]) == (False, None, None)


def test_notes_and_html_notes_are_one_text(client) -> None:
    task = _new(client, html_notes="<body>Ship <strong>it</strong> &amp; tell</body>")
    assert _get(client, task["gid"], "notes")["notes"] == "Ship it & tell"
    client.put(f"/tasks/{task['gid']}", {"notes": "a < b"})
    assert _get(client, task["gid"], "html_notes")["html_notes"] == "<body>a &lt; b</body>"


def test_resource_subtype_milestone_and_approval(client) -> None:
    assert _new(client, resource_subtype="milestone")["resource_subtype"] == "milestone"
    approval = _new(client, resource_subtype="approval")
    assert approval["approval_status"] == "pending"
    done = client.put(f"/tasks/{approval['gid']}", {"approval_status": "approved"}).json()["data"]
    assert done["completed"] is True
    assert "resource_subtype" in _error(
        client.post("/tasks", {"workspace": _acme(client)["gid"], "resource_subtype": "epic"})
    )


# -- custom fields ----------------------------------------------------------------------------------------
def _field_homes(store: Store) -> dict[str, tuple[Record, Record]]:
    """One (custom field, project carrying it) per field type, from the Acme projects."""
    found: dict[str, tuple[Record, Record]] = {}
    for project in store.all("project"):
        if project["workspace"]["name"] != ACME:
            continue
        for s in project["custom_field_settings"]:
            cf = store.get(store.get(s["gid"])["custom_field"]["gid"])
            if not cf.get("is_value_read_only"):
                found.setdefault(cf["type"], (cf, project))
    return found


def test_custom_field_values_of_every_type_with_display_values(client) -> None:
    homes = _field_homes(client.store)
    assert set(homes) == {"text", "number", "enum", "multi_enum", "date", "people"}
    projects = list({p["gid"] for _, p in homes.values()})
    enum, multi = homes["enum"][0], homes["multi_enum"][0]
    people = [u["gid"] for u in client.store.all("user")[:2]]
    values = {
        homes["text"][0]["gid"]: "ACME-7",
        homes["number"][0]["gid"]: 42,
        enum["gid"]: enum["enum_options"][0]["gid"],
        multi["gid"]: [o["gid"] for o in multi["enum_options"][:2]],
        homes["date"][0]["gid"]: {"date": "2026-11-05"},
        homes["people"][0]["gid"]: people,
    }
    task = _new(client, projects=projects, custom_fields=values)
    shown = {e["gid"]: e for e in task["custom_fields"]}
    assert shown[homes["text"][0]["gid"]]["display_value"] == "ACME-7"
    precision = homes["number"][0]["precision"]
    assert shown[homes["number"][0]["gid"]]["display_value"] == f"{42:.{precision}f}"
    assert shown[enum["gid"]]["enum_value"]["gid"] == enum["enum_options"][0]["gid"]
    assert shown[enum["gid"]]["display_value"] == enum["enum_options"][0]["name"]
    assert shown[multi["gid"]]["display_value"] == ", ".join(o["name"] for o in multi["enum_options"][:2])
    assert shown[homes["date"][0]["gid"]]["date_value"]["date"] == "2026-11-05"
    assert [p["gid"] for p in shown[homes["people"][0]["gid"]]["people_value"]] == people
    changed = client.put(f"/tasks/{task['gid']}", {"custom_fields": {homes["number"][0]["gid"]: None}})
    entry = next(e for e in changed.json()["data"]["custom_fields"] if e["gid"] == homes["number"][0]["gid"])
    assert (entry["number_value"], entry["display_value"]) == (None, None)
    assert "number_custom_field_changed" in _stories(client, task["gid"])


def test_custom_field_values_of_the_wrong_type_or_field_are_refused_and_nothing_changes(client) -> None:
    homes = _field_homes(client.store)
    enum, enum_project = homes["enum"]
    task = _new(client, projects=[enum_project["gid"]])
    carried = {e["gid"] for e in task["custom_fields"]}
    multi = next(cf for cf in client.store.all("custom_field") if cf["type"] == "multi_enum")
    elsewhere = next(cf for cf in client.store.all("custom_field") if cf["gid"] not in carried)
    before = _get(client, task["gid"], "custom_fields,modified_at")
    put = lambda values: client.put(f"/tasks/{task['gid']}", {"custom_fields": values})  # noqa: E731
    foreign_option = multi["enum_options"][0]["gid"]
    assert "Not a recognized enum option" in _error(put({enum["gid"]: foreign_option}))
    assert _error(put({elsewhere["gid"]: None})) == (
        f"Custom field with ID {elsewhere['gid']} is not on given object"
    )
    assert _error(put("not an object")) == "custom_fields: Value is not a JSON object: not an object"
    if homes["number"][1]["gid"] == enum_project["gid"]:
        assert "number" in _error(put({homes["number"][0]["gid"]: "42"}))
    assert _get(client, task["gid"], "custom_fields,modified_at") == before


# -- external ---------------------------------------------------------------------------------------------
def _oauth_token(client: SandboxClient) -> str:
    authorize = requests.get(
        f"{client.root_url}/-/oauth_authorize",
        params={
            "client_id": DEFAULT_CLIENT_ID,
            "redirect_uri": DEFAULT_REDIRECT_URI,
            "response_type": "code",
            "state": "s",
        },
        allow_redirects=False,
        timeout=30,
    )
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]
    token = requests.post(
        f"{client.root_url}/-/oauth_token",
        data={
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": DEFAULT_REDIRECT_URI,
        },
        timeout=30,
    )
    return token.json()["access_token"]


def test_external_data_needs_an_oauth_app_and_addresses_the_task(client) -> None:
    ws = _acme(client)["gid"]
    external = {"gid": "crm-42", "data": '{"deal": 7}'}
    assert "external" in _error(client.post("/tasks", {"workspace": ws, "external": external}))
    app = requests.Session()
    app.headers["Authorization"] = f"Bearer {_oauth_token(client)}"
    created = app.post(f"{client.base_url}/tasks", json={"data": {"workspace": ws, "external": external}})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["external"] == external
    found = app.get(f"{client.base_url}/tasks/external:crm-42", params={"opt_fields": "external,name"})
    assert found.status_code == 200 and found.json()["data"]["gid"] == created.json()["data"]["gid"]
    assert found.json()["data"]["external"] == external
    # Invisible to a personal access token (and so to any other app).
    assert client.get("/tasks/external:crm-42").status_code == 404
    assert _get(client, created.json()["data"]["gid"], "external").get("external") is None
    assert app.get(f"{client.base_url}/tasks/external:crm-43").status_code == 404


# -- update -----------------------------------------------------------------------------------------------
def test_update_changes_only_the_given_fields_moves_modified_at_and_writes_stories(client) -> None:
    task = _new(client, notes="keep me", due_on="2026-09-01")
    me = client.store.all("user")[0]["gid"]
    updated = client.put(
        f"/tasks/{task['gid']}", {"name": "Renamed", "assignee": me, "due_on": "2026-09-03"}
    ).json()["data"]
    assert (updated["name"], updated["notes"], updated["due_on"]) == ("Renamed", "keep me", "2026-09-03")
    assert updated["modified_at"] > task["modified_at"]
    assert {"name_changed", "assigned", "due_date_changed"} <= set(_stories(client, task["gid"]))
    changed = {e["change"]["field"] for e in _events(client, task["gid"]) if e["action"] == "changed"}
    assert {"name", "assignee", "due_on"} <= changed


@pytest.mark.parametrize("field", ["projects", "memberships", "parent", "followers", "tags", "workspace"])
def test_creation_only_fields_are_refused_on_update(client, field: str) -> None:
    task = _projects(client)[0]
    some = client.store.related("task", "projects", task["gid"])[0]
    before = _get(client, some["gid"], "modified_at,projects,followers")
    assert _error(client.put(f"/tasks/{some['gid']}", {field: []})) == f"{field}: Cannot write this property"
    assert _get(client, some["gid"], "modified_at,projects,followers") == before


def test_bad_input_is_refused_with_asanas_messages_and_nothing_changes(client) -> None:
    task = _new(client)
    url = f"{client.base_url}/tasks/{task['gid']}"
    before = _get(client, task["gid"], "name,assignee,modified_at")
    assert _error(client.put(f"/tasks/{task['gid']}", {"name": 7})) == "name: Not a string: 7"
    assert (
        _error(client.put(f"/tasks/{task['gid']}", {"completed": "yes"})) == "completed: Not a boolean: yes"
    )
    assert (
        _error(client.put(f"/tasks/{task['gid']}", {"assignee": "12345"}))
        == "assignee: Not a recognized ID: 12345"
    )
    assert _error(client.put(f"/tasks/{task['gid']}", {"assignee": "bob"})) == "assignee: Not a Long: bob"
    raw = client.session.put(url, data="{not json", headers={"Content-Type": "application/json"}, timeout=30)
    assert _error(raw) == "Could not parse request data, invalid JSON"
    assert _get(client, task["gid"], "name,assignee,modified_at") == before


def test_malformed_gids_in_a_path_or_query_are_400_not_a_long(client) -> None:
    assert _error(client.get("/tasks/not-a-gid")) == "task_gid: Not a Long: not-a-gid"
    assert _error(client.get("/tasks", project="abc")) == "project: Not a Long: abc"
    assert client.get("/tasks/123").status_code == 404
    assert client.get("/users/me").status_code == 200


# -- delete -----------------------------------------------------------------------------------------------
def test_delete_takes_subtasks_and_stories_and_cleans_links(client) -> None:
    project = _projects(client)[0]
    task = _new(client, projects=[project["gid"]])
    sub = client.post(f"/tasks/{task['gid']}/subtasks", {"name": "sub"}).json()["data"]
    subsub = client.post(f"/tasks/{sub['gid']}/subtasks", {"name": "subsub"}).json()["data"]
    story = client.post(f"/tasks/{sub['gid']}/stories", {"text": "hi"}).json()["data"]
    other = _new(client, projects=[project["gid"]])
    assert client.post(f"/tasks/{other['gid']}/addDependencies", {"dependencies": [task["gid"]]}).ok
    response = client.delete(f"/tasks/{task['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    for gone in (
        f"/tasks/{task['gid']}",
        f"/tasks/{sub['gid']}",
        f"/tasks/{subsub['gid']}",
        f"/stories/{story['gid']}",
    ):
        assert client.get(gone).status_code == 404, gone
    assert task["gid"] not in gids(client.get(f"/projects/{project['gid']}/tasks", limit=100).json())
    assert _get(client, other["gid"], "dependencies")["dependencies"] == []
    deleted = {e["resource"]["gid"] for e in _events(client, project["gid"]) if e["action"] == "deleted"}
    assert {task["gid"], sub["gid"], subsub["gid"]} <= deleted


def test_deleting_a_subtask_updates_the_parents_count(client) -> None:
    parent = _new(client)
    subs = [client.post(f"/tasks/{parent['gid']}/subtasks", {"name": n}).json()["data"] for n in "ab"]
    assert _get(client, parent["gid"], "num_subtasks")["num_subtasks"] == 2
    client.delete(f"/tasks/{subs[0]['gid']}")
    assert _get(client, parent["gid"], "num_subtasks")["num_subtasks"] == 1
    assert gids(client.get(f"/tasks/{parent['gid']}/subtasks").json()) == [subs[1]["gid"]]


# -- subtasks and parents ---------------------------------------------------------------------------------
def test_a_new_subtask_counts_on_the_parent_without_moving_its_modified_at(client) -> None:
    parent = _new(client)
    before = _get(client, parent["gid"], "modified_at,num_subtasks")
    sub = client.post(f"/tasks/{parent['gid']}/subtasks", {"name": "step"})
    assert sub.status_code == 201 and sub.json()["data"]["parent"]["gid"] == parent["gid"]
    after = _get(client, parent["gid"], "modified_at,num_subtasks")
    assert after == {**before, "num_subtasks": before["num_subtasks"] + 1}
    added = [e for e in _events(client, parent["gid"]) if e["resource"]["gid"] == sub.json()["data"]["gid"]]
    assert added[0]["action"] == "added" and added[0]["parent"]["gid"] == parent["gid"]


def test_set_parent_orders_subtasks_and_refuses_cycles(client) -> None:
    parent = _new(client)
    a, b, c = (client.post(f"/tasks/{parent['gid']}/subtasks", {"name": n}).json()["data"] for n in "abc")
    loose = _new(client)
    moved = client.post(
        f"/tasks/{loose['gid']}/setParent", {"parent": parent["gid"], "insert_before": b["gid"]}
    )
    assert moved.status_code == 200 and moved.json()["data"]["parent"]["gid"] == parent["gid"]
    client.post(f"/tasks/{c['gid']}/setParent", {"parent": parent["gid"], "insert_after": a["gid"]})
    order = gids(client.get(f"/tasks/{parent['gid']}/subtasks").json())
    assert order == [a["gid"], c["gid"], loose["gid"], b["gid"]]
    assert _get(client, parent["gid"], "num_subtasks")["num_subtasks"] == 4
    assert "parent" in _error(client.post(f"/tasks/{parent['gid']}/setParent", {"parent": a["gid"]}))
    assert "insert_before" in _error(
        client.post(f"/tasks/{a['gid']}/setParent", {"parent": parent["gid"], "insert_before": parent["gid"]})
    )
    freed = client.post(f"/tasks/{a['gid']}/setParent", {"parent": None}).json()["data"]
    assert freed["parent"] is None
    assert _get(client, parent["gid"], "num_subtasks")["num_subtasks"] == 3
    assert _error(client.post(f"/tasks/{a['gid']}/setParent", {})) == "parent: Missing input"


# -- projects and sections --------------------------------------------------------------------------------
def test_add_project_with_a_section_and_positions_keeps_modified_at(client) -> None:
    home, target = _projects(client)[:2]
    section = _sections(client, target)[1]
    a = _new(client, projects=[home["gid"]])
    b = _new(client, projects=[home["gid"]])
    before = _get(client, a["gid"], "modified_at")["modified_at"]
    assert client.post(
        f"/tasks/{a['gid']}/addProject", {"project": target["gid"], "section": section["gid"]}
    ).json() == {"data": {}}
    client.post(
        f"/tasks/{b['gid']}/addProject",
        {"project": target["gid"], "section": section["gid"], "insert_after": None},
    )
    listed = gids(client.get(f"/sections/{section['gid']}/tasks", limit=100).json())
    assert listed[0] == b["gid"] and listed[-1] == a["gid"]
    client.post(f"/tasks/{a['gid']}/addProject", {"project": target["gid"], "insert_before": b["gid"]})
    listed = gids(client.get(f"/sections/{section['gid']}/tasks", limit=100).json())
    assert listed[:2] == [a["gid"], b["gid"]]
    in_project = gids(client.get(f"/projects/{target['gid']}/tasks", limit=100).json())
    assert in_project.index(a["gid"]) + 1 == in_project.index(b["gid"])
    full = _get(client, a["gid"], "modified_at,projects,memberships")
    assert full["modified_at"] == before
    assert [p["gid"] for p in full["projects"]] == [home["gid"], target["gid"]]
    assert full["memberships"][1]["section"]["gid"] == section["gid"]
    events = [
        (e["action"], (e["parent"] or {}).get("gid"))
        for e in _events(client, target["gid"])
        if e["resource"]["gid"] == a["gid"]
    ]
    assert ("added", target["gid"]) in events and ("added", section["gid"]) in events
    assert "added_to_project" in _stories(client, a["gid"])


def test_moving_between_sections_keeps_modified_at_and_reports_removed_and_added(client) -> None:
    project = _projects(client)[2]
    first, second = _sections(client, project)[:2]
    task = _new(client, memberships=[{"project": project["gid"], "section": first["gid"]}])
    before = _get(client, task["gid"], "modified_at")["modified_at"]
    client.post(f"/tasks/{task['gid']}/addProject", {"project": project["gid"], "section": second["gid"]})
    assert task["gid"] in gids(client.get(f"/sections/{second['gid']}/tasks", limit=100).json())
    assert task["gid"] not in gids(client.get(f"/sections/{first['gid']}/tasks", limit=100).json())
    assert _get(client, task["gid"], "modified_at")["modified_at"] == before
    actions = [(e["action"], (e["parent"] or {}).get("gid")) for e in _events(client, task["gid"])]
    assert ("removed", first["gid"]) in actions and ("added", second["gid"]) in actions
    assert "section_changed" in _stories(client, task["gid"])


def test_add_project_refuses_bad_positions_and_foreign_sections(client) -> None:
    home, target = _projects(client)[:2]
    task = _new(client, projects=[home["gid"]])
    other = _new(client, projects=[home["gid"]])
    foreign = _sections(client, home)[0]
    assert "is not in project" in _error(
        client.post(f"/tasks/{task['gid']}/addProject", {"project": target["gid"], "section": foreign["gid"]})
    )
    assert "insert_before" in _error(
        client.post(
            f"/tasks/{task['gid']}/addProject", {"project": target["gid"], "insert_before": other["gid"]}
        )
    )
    both = {"project": home["gid"], "insert_before": other["gid"], "insert_after": other["gid"]}
    assert "insert_" in _error(client.post(f"/tasks/{task['gid']}/addProject", both))
    assert _error(client.post(f"/tasks/{task['gid']}/addProject", {})) == "project: Missing input"
    assert [p["gid"] for p in _get(client, task["gid"], "projects")["projects"]] == [home["gid"]]


def test_remove_project_takes_the_task_out_and_reports_removed(client) -> None:
    project = _projects(client)[0]
    task = _new(client, projects=[project["gid"]])
    before = _get(client, task["gid"], "modified_at")["modified_at"]
    assert client.post(f"/tasks/{task['gid']}/removeProject", {"project": project["gid"]}).json() == {
        "data": {}
    }
    full = _get(client, task["gid"], "projects,memberships,modified_at,custom_fields")
    assert (full["projects"], full["memberships"], full["custom_fields"]) == ([], [], [])
    assert full["modified_at"] == before
    assert task["gid"] not in gids(client.get(f"/projects/{project['gid']}/tasks", limit=100).json())
    removed = [e for e in _events(client, project["gid"]) if e["resource"]["gid"] == task["gid"]]
    assert removed[-1]["action"] == "removed" and removed[-1]["parent"]["gid"] == project["gid"]


# -- followers and dependencies ---------------------------------------------------------------------------
def test_add_and_remove_followers_answer_the_task(client) -> None:
    me = client.store.all("user")[0]["gid"]
    colleague = _colleague(client, me)
    task = _new(client)
    added = client.post(f"/tasks/{task['gid']}/addFollowers", {"followers": [colleague["gid"]]})
    assert added.status_code == 200
    assert {f["gid"] for f in added.json()["data"]["followers"]} == {me, colleague["gid"]}
    removed = client.post(f"/tasks/{task['gid']}/removeFollowers", {"followers": ["me"]}).json()["data"]
    assert [f["gid"] for f in removed["followers"]] == [colleague["gid"]]
    assert _error(client.post(f"/tasks/{task['gid']}/addFollowers", {})) == "followers: Missing input"


def test_dependencies_and_dependents_update_both_sides(client) -> None:
    waiter, blocker, third = (_new(client) for _ in range(3))
    assert client.post(
        f"/tasks/{waiter['gid']}/addDependencies", {"dependencies": [blocker["gid"]]}
    ).json() == {"data": {}}
    assert gids(client.get(f"/tasks/{waiter['gid']}/dependencies").json()) == [blocker["gid"]]
    assert gids(client.get(f"/tasks/{blocker['gid']}/dependents").json()) == [waiter["gid"]]
    client.post(f"/tasks/{third['gid']}/addDependents", {"dependents": [blocker["gid"]]})
    assert gids(client.get(f"/tasks/{blocker['gid']}/dependencies").json()) == [third["gid"]]
    assert "circular" in _error(
        client.post(f"/tasks/{third['gid']}/addDependencies", {"dependencies": [waiter["gid"]]})
    )
    assert "dependency_added" in _stories(client, waiter["gid"])
    client.post(f"/tasks/{blocker['gid']}/removeDependents", {"dependents": [waiter["gid"]]})
    assert gids(client.get(f"/tasks/{waiter['gid']}/dependencies").json()) == []
    client.post(f"/tasks/{blocker['gid']}/removeDependencies", {"dependencies": [third["gid"]]})
    assert gids(client.get(f"/tasks/{third['gid']}/dependents").json()) == []


def test_a_task_has_at_most_30_dependencies_and_dependents(client) -> None:
    task = _new(client)
    others = [_new(client)["gid"] for _ in range(31)]
    assert "30" in _error(client.post(f"/tasks/{task['gid']}/addDependencies", {"dependencies": others}))
    assert client.post(f"/tasks/{task['gid']}/addDependencies", {"dependencies": others[:30]}).ok
    assert "30" in _error(client.post(f"/tasks/{task['gid']}/addDependents", {"dependents": others[30:]}))


def test_dependencies_are_premium_like_their_reads(client) -> None:
    personal = workspace(client.store, PERSONAL)
    a = client.post("/tasks", {"workspace": personal["gid"], "name": "a"}).json()["data"]
    b = client.post("/tasks", {"workspace": personal["gid"], "name": "b"}).json()["data"]
    response = client.post(f"/tasks/{a['gid']}/addDependencies", {"dependencies": [b["gid"]]})
    assert response.status_code == 402
    assert _get(client, a["gid"], "dependencies")["dependencies"] == []


# -- reads ------------------------------------------------------------------------------------------------
def test_get_tasks_by_tag_and_user_task_list(client) -> None:
    tag = client.store.all("tag")[0]
    listed = gids(client.get("/tasks", tag=tag["gid"], limit=100).json())
    assert listed == [t["gid"] for t in client.store.related("task", "tags", tag["gid"])] and listed
    task_list = client.store.all("user_task_list")[0]
    mine = gids(client.get("/tasks", user_task_list=task_list["gid"], limit=100).json())
    assert mine == gids(client.get(f"/user_task_lists/{task_list['gid']}/tasks", limit=100).json())


@pytest.mark.parametrize(
    "pair", [("project", "section"), ("project", "tag"), ("tag", "assignee"), ("section", "user_task_list")]
)
def test_conflicting_task_filters_are_refused(client, pair: tuple[str, str]) -> None:
    some = {"project": "1", "section": "2", "tag": "3", "user_task_list": "4", "assignee": "me"}
    params = {name: some[name] for name in pair}
    if "assignee" in pair:
        params["workspace"] = _acme(client)["gid"]
    assert _error(client.get("/tasks", **params)) == ONE_FILTER


def test_a_new_task_in_a_custom_id_project_gets_the_next_id(client) -> None:
    cf = next(c for c in client.store.all("custom_field") if c.get("representation_type") == "custom_id")
    project = next(
        p
        for p in client.store.all("project")
        if any(
            client.store.get(s["gid"])["custom_field"]["gid"] == cf["gid"] for s in p["custom_field_settings"]
        )
    )
    used = [
        int(e["display_value"].rsplit("-", 1)[1])
        for t in client.store.all("task")
        for e in t["custom_fields"]
        if e["gid"] == cf["gid"] and e.get("display_value")
    ]
    first, second = (_new(client, projects=[project["gid"]]) for _ in range(2))
    ids = [
        next(e for e in t["custom_fields"] if e["gid"] == cf["gid"])["display_value"] for t in (first, second)
    ]
    numbers = [int(i.removeprefix(f"{cf['id_prefix']}-")) for i in ids]
    # Numbers are never reused (a deleted task's included): each new one is above every one in use.
    assert numbers[0] > max(used) and numbers[1] == numbers[0] + 1
    found = client.get(f"/workspaces/{project['workspace']['gid']}/tasks/custom_id/{ids[1]}")
    assert found.status_code == 200 and found.json()["data"]["gid"] == second["gid"]
    assert "read only" in _error(client.put(f"/tasks/{first['gid']}", {"custom_fields": {cf["gid"]: "X-1"}}))


def test_liking_a_task_does_not_move_its_modified_at(client) -> None:
    task = _new(client)
    liked = client.put(f"/tasks/{task['gid']}", {"liked": True}).json()["data"]
    assert (liked["liked"], liked["num_likes"], liked["modified_at"]) == (True, 1, task["modified_at"])
    assert client.put(f"/tasks/{task['gid']}", {"liked": False}).json()["data"]["num_likes"] == 0


def test_a_custom_type_and_its_status_option(client) -> None:
    custom_type = next(c for c in client.store.all("custom_type") if c["_workspace"] == _acme(client)["gid"])
    option = custom_type["status_options"][1]
    task = _new(client)
    typed = client.put(
        f"/tasks/{task['gid']}",
        {"custom_type": custom_type["gid"], "custom_type_status_option": option["gid"]},
    ).json()["data"]
    assert typed["resource_subtype"] == "custom"
    assert (typed["custom_type"]["gid"], typed["custom_type_status_option"]["gid"]) == (
        custom_type["gid"],
        option["gid"],
    )
    other = _new(client)
    assert "custom_type_status_option" in _error(
        client.put(f"/tasks/{other['gid']}", {"custom_type_status_option": option["gid"]})
    )
