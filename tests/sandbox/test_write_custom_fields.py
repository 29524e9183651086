"""Custom fields through the write API: definitions of every type, enum options, settings on containers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox_client import SandboxClient


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _workspace(client: SandboxClient) -> str:
    return client.store.all("workspace")[0]["gid"]


def _project(client: SandboxClient) -> dict:
    return next(p for p in client.store.all("project") if client.store.related("task", "projects", p["gid"]))


def _field(client: SandboxClient, **data: Any) -> dict:
    body = {"workspace": _workspace(client), "resource_subtype": "text", **data}
    response = client.post("/custom_fields", body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def _values(client: SandboxClient, task_gid: str) -> dict[str, dict]:
    fields = ",".join(
        f"custom_fields.{f}" for f in ("name", "display_value", "enum_value.name", "number_value")
    )
    shown = client.get(f"/tasks/{task_gid}", opt_fields=fields).json()["data"]["custom_fields"]
    return {v["gid"]: v for v in shown}


def _setting_gids(client: SandboxClient, kind: str, gid: str) -> list[str]:
    listed = [s["gid"] for s in client.get(f"/{kind}s/{gid}/custom_field_settings").json()["data"]]
    embedded = client.get(f"/{kind}s/{gid}", opt_fields="custom_field_settings").json()["data"]
    assert [s["gid"] for s in embedded["custom_field_settings"]] == listed  # one order, two views
    return listed


def test_every_type_is_created_with_its_settings_and_listed(client: SandboxClient) -> None:
    workspace = _workspace(client)
    response = client.post(
        "/custom_fields",
        {
            "workspace": workspace,
            "name": "Size",
            "resource_subtype": "enum",
            "enum_options": [{"name": "S", "color": "green"}, {"name": "L"}],
        },
    )
    assert response.status_code == 201
    size = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/custom_fields/{size['gid']}")
    assert (size["type"], size["resource_subtype"], size["is_global_to_workspace"]) == ("enum", "enum", True)
    assert [(o["name"], o["color"], o["enabled"]) for o in size["enum_options"]] == [
        ("S", "green", True),
        ("L", "none", True),
    ]
    cost = _field(
        client, name="Cost", resource_subtype="number", precision=2, format="currency", currency_code="EUR"
    )
    assert (cost["precision"], cost["format"], cost["currency_code"]) == (2, "currency", "EUR")
    kinds = {"Tags list": "multi_enum", "Kickoff": "date", "Reviewers": "people", "Remark": "text"}
    made = {name: _field(client, name=name, resource_subtype=kind) for name, kind in kinds.items()}
    assert {f["name"]: f["type"] for f in made.values()} == kinds
    assert made["Remark"]["format"] == "none" and made["Remark"]["currency_code"] is None
    listed = {f["gid"] for f in client.get(f"/workspaces/{workspace}/custom_fields").json()["data"]}
    assert {size["gid"], cost["gid"], *(f["gid"] for f in made.values())} <= listed
    assert client.get(f"/custom_fields/{cost['gid']}").json()["data"]["name"] == "Cost"


def test_names_are_unique_in_the_workspace_and_not_a_task_property(client: SandboxClient) -> None:
    existing = client.store.all("custom_field")[0]["name"]
    before = client.store.counts()["custom_field"]
    for name in (existing, existing.upper(), "Due Date", "assignee"):
        response = client.post(
            "/custom_fields", {"workspace": _workspace(client), "name": name, "resource_subtype": "text"}
        )
        assert response.status_code == 400, name
        assert response.json()["errors"][0]["message"].startswith("name: ")
    assert client.store.counts()["custom_field"] == before


def test_bad_definitions_are_refused_and_change_nothing(client: SandboxClient) -> None:
    workspace = _workspace(client)
    cases = [
        ({"name": "x", "resource_subtype": "text"}, (400, "workspace: Missing input")),
        ({"name": "x", "workspace": workspace}, (400, "resource_subtype: Missing input")),
        ({"name": "x", "workspace": "abc", "resource_subtype": "text"}, (400, "workspace: Not a Long: abc")),
        (
            {"name": "x", "workspace": "123", "resource_subtype": "text"},
            (400, "workspace: Not a recognized ID: 123"),
        ),
        ({"workspace": workspace, "resource_subtype": "text"}, (400, "name: Missing input")),
        (
            {"name": "x", "workspace": workspace, "resource_subtype": "color"},
            (400, "resource_subtype: Not one of"),
        ),
        (
            {"name": "x", "workspace": workspace, "resource_subtype": "number", "precision": 7},
            (400, "precision:"),
        ),
        (
            {"name": "x", "workspace": workspace, "resource_subtype": "number", "format": "currency"},
            (400, "currency_code: Missing input"),
        ),
        (
            {
                "name": "x",
                "workspace": workspace,
                "resource_subtype": "text",
                "enum_options": [{"name": "a"}],
            },
            (400, "enum_options: Only enum"),
        ),
        (
            {
                "name": "x",
                "workspace": workspace,
                "resource_subtype": "enum",
                "enum_options": [{"color": "red"}],
            },
            (400, "enum_options[0].name: Missing input"),
        ),
        (
            {"name": "x", "workspace": workspace, "resource_subtype": "text", "owned_by_app": True},
            (403, "owned_by_app"),
        ),
    ]
    before = client.store.counts()
    for body, (status, message) in cases:
        got = _error(client.post("/custom_fields", body))
        assert got[0] == status and got[1].startswith(message), (body, got)
    assert client.store.counts() == before


def test_update_renames_everywhere_and_keeps_type_options_and_workspace(client: SandboxClient) -> None:
    project = _project(client)
    task = client.store.related("task", "projects", project["gid"])[0]
    field = _field(client, name="Points", resource_subtype="number", precision=0)
    client.post(f"/projects/{project['gid']}/addCustomFieldSetting", {"custom_field": field["gid"]})
    response = client.put(f"/custom_fields/{field['gid']}", {"name": "Effort points", "precision": 1})
    assert response.status_code == 200
    assert (response.json()["data"]["name"], response.json()["data"]["precision"]) == ("Effort points", 1)
    assert _values(client, task["gid"])[field["gid"]]["name"] == "Effort points"
    for body, message in [
        ({"resource_subtype": "text"}, "resource_subtype: Cannot write this property"),
        ({"enum_options": []}, "enum_options: Cannot write this property"),
        ({"workspace": client.store.all("workspace")[1]["gid"]}, "workspace: Cannot write this property"),
        ({"name": client.store.all("custom_field")[0]["name"]}, "name: A custom field named"),
    ]:
        got = _error(client.put(f"/custom_fields/{field['gid']}", body))
        assert got[0] == 400 and got[1].startswith(message), got
    # The workspace it is in may be named (the spec's request schema requires it).
    assert client.put(f"/custom_fields/{field['gid']}", {"workspace": _workspace(client)}).status_code == 200


def test_delete_takes_the_field_off_tasks_settings_and_lists(client: SandboxClient) -> None:
    project = _project(client)
    setting = client.store.get(project["custom_field_settings"][0]["gid"])
    field_gid = setting["custom_field"]["gid"]
    task = client.store.related("task", "projects", project["gid"])[0]
    assert field_gid in _values(client, task["gid"])
    response = client.delete(f"/custom_fields/{field_gid}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert client.get(f"/custom_fields/{field_gid}").status_code == 404
    assert field_gid not in _values(client, task["gid"])
    assert setting["gid"] not in _setting_gids(client, "project", project["gid"])
    workspace_fields = client.get(f"/workspaces/{_workspace(client)}/custom_fields").json()["data"]
    assert field_gid not in {f["gid"] for f in workspace_fields}


def test_enum_options_are_created_ordered_and_reordered(client: SandboxClient) -> None:
    field = _field(client, name="Phase", resource_subtype="enum", enum_options=[{"name": "A"}, {"name": "C"}])
    a, c = (o["gid"] for o in field["enum_options"])
    response = client.post(f"/custom_fields/{field['gid']}/enum_options", {"name": "B", "insert_after": a})
    assert response.status_code == 201
    b = response.json()["data"]
    assert (b["name"], b["enabled"], b["color"]) == ("B", True, "none")
    assert response.headers["Location"].endswith(f"/enum_options/{b['gid']}")
    last = client.post(f"/custom_fields/{field['gid']}/enum_options", {"name": "D", "enabled": False}).json()[
        "data"
    ]
    assert last["enabled"] is True  # "On creation of an enum option, enabled is always set to true"

    def order() -> list[str]:
        return [
            o["name"] for o in client.get(f"/custom_fields/{field['gid']}").json()["data"]["enum_options"]
        ]

    assert order() == ["A", "B", "C", "D"]
    moved = client.post(
        f"/custom_fields/{field['gid']}/enum_options/insert",
        {"enum_option": last["gid"], "before_enum_option": a},
    )
    assert moved.status_code == 200 and moved.json()["data"]["gid"] == last["gid"]
    assert order() == ["D", "A", "B", "C"]
    client.post(
        f"/custom_fields/{field['gid']}/enum_options/insert",
        {"enum_option": last["gid"], "after_enum_option": c},
    )
    assert order() == ["A", "B", "C", "D"]
    for path, body, message in [
        (
            "enum_options",
            {"name": "X", "insert_before": a, "insert_after": c},
            "insert_after: Cannot be given",
        ),
        ("enum_options", {"name": "X", "insert_before": "123"}, "insert_before: Not a recognized ID"),
        ("enum_options", {"color": "red"}, "name: Missing input"),
        ("enum_options", {"name": "X", "color": "plaid"}, "color: Not one of"),
        ("enum_options/insert", {"enum_option": a}, "before_enum_option: One of"),
        (
            "enum_options/insert",
            {"enum_option": "123", "after_enum_option": a},
            "enum_option: Not a recognized ID",
        ),
    ]:
        got = _error(client.post(f"/custom_fields/{field['gid']}/{path}", body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    assert order() == ["A", "B", "C", "D"]


def test_enum_options_are_limited_to_500_and_to_enum_fields(client: SandboxClient) -> None:
    many = [{"name": f"o{k}"} for k in range(500)]
    field = _field(client, name="Many", resource_subtype="multi_enum", enum_options=many)
    got = _error(client.post(f"/custom_fields/{field['gid']}/enum_options", {"name": "one more"}))
    assert got[0] == 400 and "at most 500" in got[1]
    text = _field(client, name="Plain")
    got = _error(client.post(f"/custom_fields/{text['gid']}/enum_options", {"name": "x"}))
    assert got[0] == 400 and "Only enum" in got[1]
    assert client.post("/custom_fields/1/enum_options", {"name": "x"}).status_code == 404


def test_updating_an_option_shows_on_the_tasks_that_hold_it(client: SandboxClient) -> None:
    holder = next(
        t for t in client.store.all("task") if any(v.get("enum_value") for v in t.get("custom_fields") or ())
    )
    value = next(v for v in holder["custom_fields"] if v.get("enum_value"))
    option = value["enum_value"]["gid"]
    response = client.put(f"/enum_options/{option}", {"name": "Renamed", "color": "aqua", "enabled": False})
    assert response.status_code == 200
    assert response.json()["data"] == {
        "gid": option,
        "resource_type": "enum_option",
        "name": "Renamed",
        "enabled": False,
        "color": "aqua",
    }
    shown = _values(client, holder["gid"])[value["gid"]]
    assert (shown["enum_value"]["name"], shown["display_value"]) == ("Renamed", "Renamed")
    field = client.get(f"/custom_fields/{value['gid']}").json()["data"]
    assert [o["name"] for o in field["enum_options"] if o["gid"] == option] == ["Renamed"]
    assert client.put("/enum_options/1", {"name": "x"}).status_code == 404


def test_the_last_enabled_option_cannot_be_disabled(client: SandboxClient) -> None:
    field = _field(
        client, name="Only", resource_subtype="enum", enum_options=[{"name": "one"}, {"name": "two"}]
    )
    one, two = (o["gid"] for o in field["enum_options"])
    assert client.put(f"/enum_options/{one}", {"enabled": False}).status_code == 200
    got = _error(client.put(f"/enum_options/{two}", {"enabled": False}))
    assert got == (400, "enabled: Enum custom fields require at least one enabled enum option")


def test_a_field_added_to_a_project_reaches_its_tasks_and_leaves_with_it(client: SandboxClient) -> None:
    project = _project(client)
    tasks = client.store.related("task", "projects", project["gid"])
    modified = client.get(f"/projects/{project['gid']}", opt_fields="modified_at").json()["data"][
        "modified_at"
    ]
    before = _setting_gids(client, "project", project["gid"])
    field = _field(client, name="Risk level", resource_subtype="enum", enum_options=[{"name": "low"}])
    response = client.post(
        f"/projects/{project['gid']}/addCustomFieldSetting",
        {"custom_field": field["gid"], "is_important": True, "insert_after": before[0]},
    )
    assert response.status_code == 200
    setting = response.json()["data"]
    assert (setting["is_important"], setting["parent"]["gid"], setting["project"]["gid"]) == (
        True,
        project["gid"],
        project["gid"],
    )
    assert setting["custom_field"]["gid"] == field["gid"]
    assert _setting_gids(client, "project", project["gid"]) == [before[0], setting["gid"], *before[1:]]
    for task in tasks:
        value = _values(client, task["gid"])[field["gid"]]
        assert (value["enum_value"], value["display_value"]) == (None, None)
    assert (
        client.get(f"/projects/{project['gid']}", opt_fields="modified_at").json()["data"]["modified_at"]
        == modified
    )
    response = client.post(
        f"/projects/{project['gid']}/removeCustomFieldSetting", {"custom_field": field["gid"]}
    )
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert _setting_gids(client, "project", project["gid"]) == before
    assert all(field["gid"] not in _values(client, t["gid"]) for t in tasks)
    again = _error(
        client.post(f"/projects/{project['gid']}/removeCustomFieldSetting", {"custom_field": field["gid"]})
    )
    assert again[0] == 400 and "is not on this project" in again[1]


def test_settings_refuse_duplicates_foreign_fields_and_bad_anchors(client: SandboxClient) -> None:
    project = _project(client)
    on = client.store.get(project["custom_field_settings"][0]["gid"])["custom_field"]["gid"]
    free = client.store.all("workspace")[1]["gid"]
    foreign = client.post(
        "/custom_fields", {"workspace": free, "name": "Elsewhere", "resource_subtype": "text"}
    )
    new = _field(client, name="Fresh")
    before = _setting_gids(client, "project", project["gid"])
    path = f"/projects/{project['gid']}/addCustomFieldSetting"
    for body, message in [
        ({"custom_field": on}, "custom_field: Custom field"),
        ({"custom_field": foreign.json()["data"]["gid"]}, "custom_field: Not a recognized ID"),
        ({"custom_field": "999"}, "custom_field: Not a recognized ID"),
        ({"custom_field": new["gid"], "insert_before": "999"}, "insert_before: Not a recognized ID"),
        ({"custom_field": new["gid"], "is_important": "yes"}, "is_important: Not a boolean"),
        ({}, "custom_field: Missing input"),
    ]:
        got = _error(client.post(path, body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    assert _setting_gids(client, "project", project["gid"]) == before
    assert client.post("/projects/1/addCustomFieldSetting", {"custom_field": new["gid"]}).status_code == 404


def test_a_new_field_described_in_the_setting_is_local_to_its_container(client: SandboxClient) -> None:
    project = _project(client)
    response = client.post(
        f"/projects/{project['gid']}/addCustomFieldSetting",
        {"custom_field": {"name": "Local notes", "resource_subtype": "text"}},
    )
    assert response.status_code == 200
    field_gid = response.json()["data"]["custom_field"]["gid"]
    field = client.get(f"/custom_fields/{field_gid}").json()["data"]
    assert (field["name"], field["is_global_to_workspace"]) == ("Local notes", False)
    listed = client.get(f"/workspaces/{_workspace(client)}/custom_fields").json()["data"]
    assert field_gid not in {f["gid"] for f in listed}


@pytest.mark.parametrize("kind", ["portfolio", "goal"])
def test_portfolios_and_goals_take_settings_too(client: SandboxClient, kind: str) -> None:
    container = client.store.all(kind)[0]
    field = _field(client, name=f"For {kind}")
    response = client.post(
        f"/{kind}s/{container['gid']}/addCustomFieldSetting", {"custom_field": field["gid"]}
    )
    assert response.status_code == 200
    setting = response.json()["data"]
    assert "project" not in setting and setting["parent"]["gid"] == container["gid"]
    assert _setting_gids(client, kind, container["gid"])[-1] == setting["gid"]
    client.post(f"/{kind}s/{container['gid']}/removeCustomFieldSetting", {"custom_field": field["gid"]})
    assert setting["gid"] not in _setting_gids(client, kind, container["gid"])


def test_writes_append_events(client: SandboxClient) -> None:
    workspace = _workspace(client)
    project = _project(client)
    sync = client.get(f"/workspaces/{workspace}/events").json()["sync"]
    field = _field(client, name="Evented", resource_subtype="enum", enum_options=[{"name": "a"}])
    client.put(f"/custom_fields/{field['gid']}", {"description": "now described"})
    client.post(f"/custom_fields/{field['gid']}/enum_options", {"name": "b"})
    client.post(f"/projects/{project['gid']}/addCustomFieldSetting", {"custom_field": field["gid"]})
    client.delete(f"/custom_fields/{field['gid']}")
    events = client.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    on_field = [
        (e["action"], (e.get("change") or {}).get("field"))
        for e in events
        if e["resource"]["gid"] == field["gid"]
    ]
    assert on_field == [
        ("added", None),
        ("changed", "description"),
        ("changed", "enum_options"),
        ("deleted", None),
    ]
    settings = [e for e in events if e["resource"]["resource_type"] == "custom_field_setting"]
    assert [(e["action"], (e["parent"] or {}).get("gid")) for e in settings] == [
        ("added", project["gid"]),
        ("deleted", None),
    ]


def test_values_are_written_by_type_on_a_goal_and_bad_ones_refused(client: SandboxClient) -> None:
    goal = client.store.all("goal")[0]
    by_type = {
        f["type"]: f
        for f in reversed(client.store.all("custom_field"))
        if f["_workspace"] == _workspace(client)
    }
    enum, multi = by_type["enum"], by_type["multi_enum"]
    user = client.store.all("user")[1]
    values = {
        enum["gid"]: enum["enum_options"][0]["gid"],
        multi["gid"]: [o["gid"] for o in multi["enum_options"][:2]],
        by_type["number"]["gid"]: 12.5,
        by_type["text"]["gid"]: "hello",
        by_type["date"]["gid"]: "2026-03-04",
        by_type["people"]["gid"]: [user["email"]],
    }
    response = client.put(f"/goals/{goal['gid']}", {"custom_fields": values})
    assert response.status_code == 200, response.text
    shown = {v["gid"]: v["display_value"] for v in response.json()["data"]["custom_fields"]}
    assert shown[enum["gid"]] == enum["enum_options"][0]["name"]
    assert shown[multi["gid"]] == ", ".join(o["name"] for o in multi["enum_options"][:2])
    assert (shown[by_type["text"]["gid"]], shown[by_type["date"]["gid"]]) == ("hello", "2026-03-04")
    assert shown[by_type["people"]["gid"]] == user["name"]
    cleared = client.put(f"/goals/{goal['gid']}", {"custom_fields": {enum["gid"]: None}}).json()["data"]
    assert [v["enum_value"] for v in cleared["custom_fields"] if v["gid"] == enum["gid"]] == [None]
    for bad, message in [
        ({by_type["number"]["gid"]: "12"}, f"custom_fields.{by_type['number']['gid']}: Not a number"),
        ({by_type["text"]["gid"]: 3}, f"custom_fields.{by_type['text']['gid']}: Not a string"),
        (
            {enum["gid"]: multi["enum_options"][0]["gid"]},
            f"custom_fields.{enum['gid']}: Not a recognized enum",
        ),
        ({by_type["date"]["gid"]: "March 4"}, f"custom_fields.{by_type['date']['gid']}: Invalid date"),
        ({"123": "x"}, "custom_fields: Not a recognized ID: 123"),
        ({"abc": "x"}, "custom_fields: Not a Long: abc"),
    ]:
        got = _error(client.put(f"/goals/{goal['gid']}", {"custom_fields": bad}))
        assert got[0] == 400 and got[1].startswith(message), (bad, got)
    assert {v["gid"] for v in client.get(f"/goals/{goal['gid']}").json()["data"]["custom_fields"]} == set(
        values
    )


def test_values_on_users_follow_the_field_its_options_and_its_delete(client: SandboxClient) -> None:
    field = _field(client, name="Desk", resource_subtype="enum", enum_options=[{"name": "North"}])
    option = field["enum_options"][0]
    me = client.get("/users/me").json()["data"]["gid"]
    body = {"custom_fields": {field["gid"]: option["gid"]}}
    assert client.put(f"/users/{me}", body, params={"workspace": _workspace(client)}).status_code == 200

    def value() -> dict | None:
        fields = "custom_fields.name,custom_fields.display_value,custom_fields.enum_value.name"
        shown = client.get(f"/users/{me}", opt_fields=fields).json()["data"]["custom_fields"]
        return next((v for v in shown if v["gid"] == field["gid"]), None)

    client.put(f"/custom_fields/{field['gid']}", {"name": "Office desk"})
    client.put(f"/enum_options/{option['gid']}", {"name": "North wing"})
    assert value() == {
        "gid": field["gid"],
        "name": "Office desk",
        "display_value": "North wing",
        "enum_value": {"gid": option["gid"], "name": "North wing"},
    }
    assert client.delete(f"/custom_fields/{field['gid']}").status_code == 200
    assert value() is None


@pytest.mark.parametrize("kind", ["task", "project", "portfolio", "goal"])
def test_reference_values_let_go_of_a_deleted_object(client: SandboxClient, kind: str) -> None:
    project = _project(client)
    holder = client.store.related("task", "projects", project["gid"])[0]
    field = _field(client, name="See also", resource_subtype="reference", input_restrictions=[kind])
    client.post(f"/projects/{project['gid']}/addCustomFieldSetting", {"custom_field": field["gid"]})
    others = [r for r in client.store.all(kind) if r["gid"] not in (holder["gid"], project["gid"])]
    doomed, kept = [r for r in others if not r.get("parent")][:2]
    body = {"custom_fields": {field["gid"]: [doomed["gid"], kept["gid"]]}}
    assert client.put(f"/tasks/{holder['gid']}", body).status_code == 200
    assert client.put(f"/projects/{project['gid']}", body).status_code == 200
    assert client.delete(f"/{kind}s/{doomed['gid']}").status_code == 200
    fields = "custom_fields.reference_value,custom_fields.display_value"
    for path in (f"/tasks/{holder['gid']}", f"/projects/{project['gid']}"):
        shown = client.get(path, opt_fields=fields).json()["data"]["custom_fields"]
        value = next(v for v in shown if v["gid"] == field["gid"])
        assert [r["gid"] for r in value["reference_value"]] == [kept["gid"]], path
        assert value["display_value"] == kept["name"], path
