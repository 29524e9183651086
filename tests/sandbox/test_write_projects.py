"""Projects through the write API: create, update, delete, members, followers, statuses, briefs, settings."""

from __future__ import annotations

from typing import Any

import pytest

from asana_sandbox.projection import resource_fields
from asana_sandbox.store import Record
from tests.sandbox_client import SandboxClient

ME = "1100000000000002"  # the demo token's user


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _org(client: SandboxClient) -> Record:
    return next(w for w in client.store.all("workspace") if w["is_organization"])


def _personal(client: SandboxClient) -> Record:
    return next(w for w in client.store.all("workspace") if not w["is_organization"])


def _team(client: SandboxClient, k: int = 0) -> Record:
    return client.store.all("team")[k]


def _create(client: SandboxClient, **fields: Any) -> Record:
    body = {"name": "Launch", "workspace": _org(client)["gid"], "team": _team(client)["gid"], **fields}
    response = client.post("/projects", body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _gids(response: Any) -> list[str]:
    return [r["gid"] for r in response.json()["data"]]


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def _events(client: SandboxClient, resource: str, sync: str) -> list[tuple[str, str | None]]:
    events = client.get("/events", resource=resource, sync=sync).json()["data"]
    return [
        (e["action"], (e.get("change") or {}).get("field"))
        for e in events
        if e["resource"]["gid"] == resource
    ]


# -- create ----------------------------------------------------------------------------------------------
def test_create_in_a_team_answers_201_with_every_field_and_is_listed(client: SandboxClient) -> None:
    team = _team(client)
    response = client.post(
        "/projects",
        {"name": "Launch", "workspace": _org(client)["gid"], "team": team["gid"], "color": "dark-red"},
    )
    assert response.status_code == 201
    project = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/projects/{project['gid']}")
    full = client.get(
        f"/projects/{project['gid']}", opt_fields=",".join(resource_fields()["project"]["fields"])
    )
    shown = full.json()["data"]
    # Every field of ProjectResponse is there (team and brief empty ones are null or omitted as not nullable).
    missing = (
        set(resource_fields()["project"]["fields"]) - set(shown) - {"project_brief", "created_from_template"}
    )
    assert not missing
    assert (shown["name"], shown["color"], shown["team"]["gid"]) == ("Launch", "dark-red", team["gid"])
    assert project["gid"] in _gids(client.get("/projects", workspace=_org(client)["gid"], limit=100))
    assert project["gid"] in _gids(client.get(f"/teams/{team['gid']}/projects", limit=100))
    assert project["gid"] in _gids(client.get(f"/workspaces/{_org(client)['gid']}/projects", limit=100))


def test_creator_owns_follows_and_is_an_admin_member_with_a_first_section(client: SandboxClient) -> None:
    other = next(u for u in client.store.all("user") if u["gid"] != ME)
    project = _create(client, followers=other["email"])
    assert project["owner"]["gid"] == ME
    assert [u["gid"] for u in project["followers"]] == [ME, other["gid"]]
    assert {u["gid"] for u in project["members"]} == {ME, other["gid"]}
    levels = {
        m["member"]["gid"]: m["access_level"]
        for m in client.get(f"/projects/{project['gid']}/project_memberships").json()["data"]
    }
    assert levels == {ME: "admin", other["gid"]: "editor"}
    listed = client.get("/memberships", parent=project["gid"]).json()["data"]
    assert {m["member"]["gid"] for m in listed} == {ME, other["gid"]}
    sections = client.get(f"/projects/{project['gid']}/sections").json()["data"]
    assert [s["name"] for s in sections] == ["Untitled section"]


def test_create_in_a_workspace_or_team_path(client: SandboxClient) -> None:
    personal = _personal(client)
    response = client.post(f"/workspaces/{personal['gid']}/projects", {"name": "Home", "notes": "a < b"})
    assert response.status_code == 201
    project = client.get(f"/projects/{response.json()['data']['gid']}", opt_fields="team,html_notes").json()[
        "data"
    ]
    assert project.get("team") is None and project["html_notes"] == "<body>a &lt; b</body>"
    team = _team(client, 1)
    in_team = client.post(f"/teams/{team['gid']}/projects", {"name": "T", "public": False}).json()["data"]
    assert in_team["team"]["gid"] == team["gid"] and in_team["workspace"]["gid"] == _org(client)["gid"]
    assert (in_team["public"], in_team["privacy_setting"]) == (False, "private_to_team")


def test_create_appends_an_added_event(client: SandboxClient) -> None:
    workspace = _org(client)["gid"]
    sync = client.get(f"/workspaces/{workspace}/events").json()["sync"]
    project = _create(client)
    events = client.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    added = [e for e in events if e["resource"]["gid"] == project["gid"]]
    assert [(e["action"], e["parent"]["gid"]) for e in added] == [("added", _team(client)["gid"])]
    assert added[0]["user"]["gid"] == ME


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x"}, "workspace: Missing input"),
        ({"name": "x", "workspace": "ORG"}, "team: Missing input"),
        ({"name": "x", "workspace": "abc"}, "workspace: Not a Long: abc"),
        ({"name": "x", "workspace": "12345"}, "workspace: Not a recognized ID: 12345"),
        ({"name": 7, "workspace": "ORG", "team": "TEAM"}, "name: Not a string: 7"),
        (
            {"name": "x", "workspace": "ORG", "team": "TEAM", "color": "plaid"},
            "color: Not one of the allowed",
        ),
        (
            {"name": "x", "workspace": "ORG", "team": "TEAM", "archived": "yes"},
            "archived: Not a boolean: yes",
        ),
        (
            {"name": "x", "workspace": "ORG", "team": "TEAM", "default_view": "gantt"},
            "default_view: Not one of",
        ),
        (
            {"name": "x", "workspace": "ORG", "team": "TEAM", "due_on": "June 1"},
            "due_on: Invalid date string",
        ),
        (
            {"name": "x", "workspace": "ORG", "team": "TEAM", "followers": "999"},
            "followers: [0]: Not a recognized",
        ),
        (
            {"name": "x", "workspace": "ORG", "team": "TEAM", "html_notes": "<b>x"},
            "html_notes: XML is invalid",
        ),
        ({"name": "x", "workspace": "PERSONAL", "team": "TEAM"}, "team: Team"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(demo: SandboxClient, body: dict, message: str) -> None:
    names = {"ORG": _org(demo)["gid"], "TEAM": _team(demo)["gid"], "PERSONAL": _personal(demo)["gid"]}
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = demo.store.counts()
    status, text = _error(demo.post("/projects", body))
    assert status == 400 and text.startswith(message), text
    assert demo.store.counts() == before


# -- update ----------------------------------------------------------------------------------------------
def test_update_changes_fields_moves_modified_at_and_reports_each_change(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    before = project["modified_at"]
    sync = client.get("/events", resource=project["gid"]).json()["sync"]
    response = client.put(
        f"/projects/{project['gid']}",
        {
            "name": "Renamed",
            "archived": True,
            "html_notes": "<body>Go <strong>now</strong></body>",
            "owner": None,
        },
    )
    assert response.status_code == 200
    shown = client.get(
        f"/projects/{project['gid']}", opt_fields="name,archived,notes,owner,modified_at"
    ).json()
    data = shown["data"]
    assert (data["name"], data["archived"], data["notes"], data["owner"]) == ("Renamed", True, "Go now", None)
    assert data["modified_at"] > before
    seen = _events(client, project["gid"], sync)
    assert {field for _, field in seen} >= {"name", "archived", "notes", "html_notes", "owner"}


def test_update_privacy_and_public_follow_each_other(client: SandboxClient) -> None:
    project = _create(client)
    data = client.put(f"/projects/{project['gid']}", {"public": False}).json()["data"]
    assert (data["public"], data["privacy_setting"]) == (False, "private_to_team")
    data = client.put(f"/projects/{project['gid']}", {"privacy_setting": "public_to_workspace"}).json()[
        "data"
    ]
    assert (data["public"], data["privacy_setting"]) == (True, "public_to_workspace")


def test_start_on_needs_due_on_and_comes_before_it(client: SandboxClient) -> None:
    project = _create(client)
    path = f"/projects/{project['gid']}"
    assert _error(client.put(path, {"start_on": "2026-03-01"}))[0] == 400
    assert _error(client.put(path, {"start_on": "2026-03-01", "due_on": "2026-03-01"}))[0] == 400
    data = client.put(path, {"start_on": "2026-03-01", "due_on": "2026-04-01"}).json()["data"]
    assert (data["start_on"], data["due_on"], data["due_date"]) == ("2026-03-01", "2026-04-01", "2026-04-01")


def test_team_can_change_within_the_organization(client: SandboxClient) -> None:
    project = _create(client)
    other = _team(client, 1)
    assert (
        client.put(f"/projects/{project['gid']}", {"team": other["gid"]}).json()["data"]["team"]["gid"]
        == other["gid"]
    )
    assert project["gid"] in _gids(client.get(f"/teams/{other['gid']}/projects", limit=100))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"workspace": "ORG"}, "workspace: Cannot write this property"),
        ({"followers": ME}, "followers: Cannot write this property"),
        ({"members": ME}, "members: Cannot write this property"),
        ({"owner": "abc"}, "owner: Not a Long: abc"),
        ({"privacy_setting": "secret"}, "privacy_setting: Not one of the allowed values"),
    ],
)
def test_update_refuses_creation_only_fields_and_changes_nothing(
    demo: SandboxClient, body: dict, message: str
) -> None:
    project = demo.store.all("project")[0]
    body = {k: _org(demo)["gid"] if v == "ORG" else v for k, v in body.items()}
    snapshot = dict(project)
    status, text = _error(demo.put(f"/projects/{project['gid']}", body))
    assert status == 400 and text.startswith(message), text
    assert demo.store.get(project["gid"]) == snapshot


def test_unknown_project_answers_404(demo: SandboxClient) -> None:
    assert demo.put("/projects/1", {"name": "x"}).status_code == 404
    assert demo.delete("/projects/1").status_code == 404
    assert demo.post("/projects/1/addMembers", {"members": ME}).status_code == 404


# -- delete ----------------------------------------------------------------------------------------------
def test_delete_takes_what_belongs_to_the_project_along(client: SandboxClient) -> None:
    store = client.store
    project = next(p for p in store.all("project") if p["project_brief"] and p["custom_field_settings"])
    owned = [
        *store.related("section", "project", project["gid"]),
        *store.related("project_membership", "project", project["gid"]),
        *store.related("membership", "parent", project["gid"]),
        *store.related("project_status", "_parent", project["gid"]),
        *store.related("status_update", "parent", project["gid"]),
        *store.related("custom_field_setting", "parent", project["gid"]),
        store.get(project["project_brief"]["gid"]),
    ]
    workspace = project["workspace"]["gid"]
    sync = client.get(f"/workspaces/{workspace}/events").json()["sync"]
    response = client.delete(f"/projects/{project['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert client.get(f"/projects/{project['gid']}").status_code == 404
    assert all(store.get(r["gid"]) is None for r in owned)
    assert client.get(f"/sections/{owned[0]['gid']}").status_code == 404
    assert project["gid"] not in _gids(
        client.get("/projects", workspace=project["workspace"]["gid"], limit=100)
    )
    events = client.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    deleted = {e["resource"]["gid"] for e in events if e["action"] == "deleted"}
    assert {project["gid"], *(r["gid"] for r in owned if r["resource_type"] == "section")} <= deleted


def test_delete_keeps_tasks_that_live_on_elsewhere_and_deletes_the_others(client: SandboxClient) -> None:
    store = client.store
    project = store.all("project")[0]
    tasks = store.related("task", "projects", project["gid"])
    elsewhere = [t for t in tasks if len(t["projects"]) > 1]
    assigned = [t for t in tasks if len(t["projects"]) == 1 and t["assignee"] and not t["parent"]]
    alone = [t for t in tasks if len(t["projects"]) == 1 and not t["assignee"] and not t["parent"]]
    assert elsewhere and assigned and alone
    client.delete(f"/projects/{project['gid']}")
    for task in elsewhere + assigned:
        shown = client.get(f"/tasks/{task['gid']}", opt_fields="projects,memberships").json()["data"]
        assert project["gid"] not in {p["gid"] for p in shown["projects"]}
        assert project["gid"] not in {m["project"]["gid"] for m in shown["memberships"]}
    assert all(client.get(f"/tasks/{t['gid']}").status_code == 404 for t in alone)


# -- members and followers -------------------------------------------------------------------------------
def _outsiders(client: SandboxClient, project: Record) -> list[Record]:
    members = {m["gid"] for m in project["members"]}
    workspace = project["workspace"]["gid"]
    users = [m["user"]["gid"] for m in client.store.related("workspace_membership", "workspace", workspace)]
    return [client.store.get(g) for g in users if g not in members]


def test_add_members_makes_memberships_without_following(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    before = project["modified_at"]
    first, second = _outsiders(client, project)[:2]
    response = client.post(
        f"/projects/{project['gid']}/addMembers", {"members": f"{first['gid']},{second['email']}"}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert {first["gid"], second["gid"]} <= {m["gid"] for m in data["members"]}
    assert {first["gid"], second["gid"]}.isdisjoint(f["gid"] for f in data["followers"])
    assert data["modified_at"] == before  # members are an association
    listed = client.get(f"/projects/{project['gid']}/project_memberships", user=first["gid"]).json()["data"]
    assert listed and listed[0]["access_level"] == project["default_access_level"]
    assert client.get("/memberships", parent=project["gid"], member=second["gid"]).json()["data"]


def test_remove_members_ends_membership_and_following(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    follower = project["followers"][0]["gid"]
    data = client.post(f"/projects/{project['gid']}/removeMembers", {"members": [follower]}).json()["data"]
    assert follower not in {m["gid"] for m in data["members"]}
    assert follower not in {f["gid"] for f in data["followers"]}
    assert client.get(f"/projects/{project['gid']}/project_memberships", user=follower).json()["data"] == []
    assert client.get("/memberships", parent=project["gid"], member=follower).json()["data"] == []


def test_followers_are_members_and_unfollowing_keeps_membership(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    newcomer = _outsiders(client, project)[0]["gid"]
    data = client.post(f"/projects/{project['gid']}/addFollowers", {"followers": [newcomer]}).json()["data"]
    assert newcomer in {f["gid"] for f in data["followers"]} and newcomer in {
        m["gid"] for m in data["members"]
    }
    data = client.post(f"/projects/{project['gid']}/removeFollowers", {"followers": newcomer}).json()["data"]
    assert newcomer not in {f["gid"] for f in data["followers"]} and newcomer in {
        m["gid"] for m in data["members"]
    }
    assert client.get(f"/projects/{project['gid']}/project_memberships", user=newcomer).json()["data"]


@pytest.mark.parametrize(
    ("body", "message"),
    [({}, "members: Missing input"), ({"members": "abc"}, "members: [0]: Not a Long"), ({"members": 5}, "")],
)
def test_add_members_bad_input(demo: SandboxClient, body: dict, message: str) -> None:
    project = demo.store.all("project")[0]
    before = demo.store.counts()
    status, text = _error(demo.post(f"/projects/{project['gid']}/addMembers", body))
    assert status == 400 and text.startswith(message)
    assert demo.store.counts() == before


# -- project statuses ------------------------------------------------------------------------------------
def test_project_status_becomes_current_and_deleting_it_falls_back(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    previous = project["current_status"]
    response = client.post(
        f"/projects/{project['gid']}/project_statuses", {"title": "W12", "text": "Late.", "color": "red"}
    )
    assert response.status_code == 201
    status = response.json()["data"]
    assert response.headers["Location"].endswith(f"/project_statuses/{status['gid']}")
    assert status["author"]["gid"] == ME and status["color"] == "red"
    assert status["gid"] in _gids(client.get(f"/projects/{project['gid']}/project_statuses"))
    shown = client.get(
        f"/projects/{project['gid']}", opt_fields="current_status,current_status_update"
    ).json()
    assert shown["data"]["current_status"]["gid"] == status["gid"]
    update = client.get(f"/status_updates/{shown['data']['current_status_update']['gid']}").json()["data"]
    assert (update["status_type"], update["text"]) == ("off_track", "Late.")
    assert client.delete(f"/project_statuses/{status['gid']}").json() == {"data": {}}
    assert client.get(f"/project_statuses/{status['gid']}").status_code == 404
    assert client.get(f"/status_updates/{update['gid']}").status_code == 404
    fallback = client.get(f"/projects/{project['gid']}", opt_fields="current_status").json()["data"]
    assert (fallback["current_status"] or {}).get("gid") == (previous or {}).get("gid")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "x"}, "color: Missing input"),
        ({"color": "green"}, "text: Missing input"),
        ({"text": "x", "color": "pink"}, "color: Not one of"),
    ],
)
def test_project_status_needs_text_and_color(demo: SandboxClient, body: dict, message: str) -> None:
    project = demo.store.all("project")[0]
    before = demo.store.counts()
    status, text = _error(demo.post(f"/projects/{project['gid']}/project_statuses", body))
    assert status == 400 and text.startswith(message)
    assert demo.store.counts() == before


# -- briefs and portfolio settings ------------------------------------------------------------------------
def test_brief_create_update_delete_follow_the_project(client: SandboxClient) -> None:
    project = next(p for p in client.store.all("project") if not p["project_brief"] and p["team"])
    response = client.post(f"/projects/{project['gid']}/project_briefs", {"title": "Why", "text": "Because."})
    assert response.status_code == 201
    brief = response.json()["data"]
    assert (brief["title"], brief["html_text"], brief["project"]["gid"]) == (
        "Why",
        "<body>Because.</body>",
        project["gid"],
    )
    assert (
        client.get(f"/projects/{project['gid']}", opt_fields="project_brief").json()["data"]["project_brief"][
            "gid"
        ]
        == brief["gid"]
    )
    second = client.post(f"/projects/{project['gid']}/project_briefs", {"title": "Again"})
    assert second.status_code == 400
    both = client.put(f"/project_briefs/{brief['gid']}", {"text": "a", "html_text": "<body>b</body>"})
    assert both.status_code == 400
    updated = client.put(
        f"/project_briefs/{brief['gid']}", {"html_text": "<body><em>New</em></body>"}
    ).json()["data"]
    assert client.get(f"/project_briefs/{brief['gid']}", opt_fields="text").json()["data"]["text"] == "New"
    assert updated["html_text"] == "<body><em>New</em></body>"
    assert client.delete(f"/project_briefs/{brief['gid']}").json() == {"data": {}}
    assert client.get(f"/project_briefs/{brief['gid']}").status_code == 404
    assert (
        client.get(f"/projects/{project['gid']}", opt_fields="project_brief").json()["data"]["project_brief"]
        is None
    )


def test_briefs_need_a_premium_workspace(sandbox_factory) -> None:
    # Every workspace on the free plan: a brief it kept from a paid plan can be neither changed nor deleted.
    client = sandbox_factory(tier="free")
    project = next(p for p in client.store.all("project") if p["project_brief"])
    brief = project["project_brief"]["gid"]
    assert client.post(f"/projects/{project['gid']}/project_briefs", {"title": "x"}).status_code == 402
    assert client.put(f"/project_briefs/{brief}", {"title": "x"}).status_code == 402
    assert client.delete(f"/project_briefs/{brief}").status_code == 402
    assert client.store.get(brief) is not None


def test_portfolio_setting_update(client: SandboxClient) -> None:
    setting = client.store.all("project_portfolio_setting")[0]
    wanted = not setting["is_access_control_inherited"]
    response = client.put(
        f"/project_portfolio_settings/{setting['gid']}", {"is_access_control_inherited": wanted}
    )
    assert response.status_code == 200 and response.json()["data"]["is_access_control_inherited"] is wanted
    refused = client.put(
        f"/project_portfolio_settings/{setting['gid']}", {"is_access_control_inherited": "no"}
    )
    assert refused.status_code == 400
    assert client.store.get(setting["gid"])["is_access_control_inherited"] is wanted


@pytest.mark.parametrize("deleted", ["project_brief", "project"])
def test_a_deleted_brief_takes_its_files_along(client: SandboxClient, deleted: str) -> None:
    store = client.store
    attachment = next(a for a in store.all("attachment") if a["parent"]["resource_type"] == "project_brief")
    brief = store.get(attachment["parent"]["gid"])
    assert brief is not None
    gid = brief["gid"] if deleted == "project_brief" else brief["project"]["gid"]
    assert client.delete(f"/{deleted}s/{gid}").status_code == 200
    assert client.get(f"/attachments/{attachment['gid']}").status_code == 404


def test_a_deleted_project_takes_its_rule_triggers_and_requests_to_join_along(client: SandboxClient) -> None:
    trigger = client.control("rule_triggers")["data"][0]
    project = trigger["project"]["gid"]
    task = next(t for t in client.store.all("task") if t["projects"] and t["projects"][0]["gid"] != project)
    request = client.post("/access_requests", {"target": project}).json()["data"]
    assert client.delete(f"/projects/{project}").status_code == 200
    run = {"resource": task["gid"], "action_data": {"ticket": "JIRA-1"}}
    assert client.post(f"/rule_triggers/{trigger['gid']}/run", run).status_code == 404
    assert trigger["gid"] not in {t["gid"] for t in client.control("rule_triggers")["data"]}
    assert client.post(f"/access_requests/{request['gid']}/approve").status_code == 404


def test_a_task_kept_from_a_deleted_project_leaves_its_sections(client: SandboxClient) -> None:
    project, other = _create(client, name="Doomed"), _create(client, name="Kept")
    section = client.get(f"/projects/{project['gid']}/sections").json()["data"][0]
    body = {"name": "Stays", "projects": [project["gid"], other["gid"]], "assignee": ME}
    task = client.post("/tasks", body).json()["data"]
    client.put(f"/tasks/{task['gid']}", {"assignee_section": section["gid"]})
    assert client.delete(f"/projects/{project['gid']}").status_code == 200
    shown = client.get(f"/tasks/{task['gid']}", opt_fields="assignee_section,memberships.project").json()
    assert shown["data"].get("assignee_section") is None
    assert [m["project"]["gid"] for m in shown["data"]["memberships"]] == [other["gid"]]
