"""Goals through the write API: create, update, metrics and progress, followers, relationships, delete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox_client import SandboxClient


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _workspace(client: SandboxClient) -> str:
    return client.store.all("workspace")[0]["gid"]


def _goal(client: SandboxClient, **data: Any) -> dict:
    response = client.post("/goals", {"workspace": _workspace(client), "name": "Ship it", **data})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def _metric(client: SandboxClient, goal: str, **data: Any) -> dict:
    response = client.post(f"/goals/{goal}/setMetric", {"target_number_value": 100, **data})
    assert response.status_code == 200, response.text
    return response.json()["data"]["metric"]


def test_create_answers_201_and_the_goal_is_listed_with_its_owner(client: SandboxClient) -> None:
    workspace = _workspace(client)
    team = client.store.all("team")[0]
    period = client.store.all("time_period")[0]
    other = client.store.all("user")[3]
    response = client.post(
        "/goals",
        {
            "workspace": workspace,
            "name": "Grow web traffic by 30%",
            "html_notes": "<body>Start <em>now</em>.</body>",
            "due_on": "2026-12-31",
            "start_on": "2026-07-01",
            "team": team["gid"],
            "time_period": period["gid"],
            "followers": [other["email"]],
        },
    )
    assert response.status_code == 201
    goal = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/goals/{goal['gid']}")
    me = client.store.all("user")[0]["gid"]
    assert (goal["owner"]["gid"], goal["team"]["gid"], goal["is_workspace_level"]) == (me, team["gid"], False)
    assert (goal["notes"], goal["time_period"]["gid"], goal["metric"], goal["status"]) == (
        "Start now.",
        period["gid"],
        None,
        None,
    )
    assert {u["gid"] for u in goal["followers"]} == {me, other["gid"]}
    listed = client.get("/goals", workspace=workspace).json()["data"]
    assert goal["gid"] in {g["gid"] for g in listed}
    assert goal["gid"] in {g["gid"] for g in client.get("/goals", team=team["gid"]).json()["data"]}
    members = client.get("/memberships", parent=goal["gid"]).json()["data"]
    assert [(m["member"]["gid"], m["role"]) for m in members] == [(me, "owner")]


def test_goals_are_premium_like_reading_them(client: SandboxClient) -> None:
    free = next(w["gid"] for w in client.store.all("workspace") if w["_tier"] == "free")
    before = client.store.counts().get("goal")
    got = _error(client.post("/goals", {"workspace": free, "name": "Not here"}))
    assert got[0] == 402 and got[1].startswith("Payment Required")
    assert client.store.counts().get("goal") == before


def test_bad_input_is_refused_and_changes_nothing(client: SandboxClient) -> None:
    workspace = _workspace(client)
    cases = [
        ({"name": "x"}, "workspace: Missing input"),
        ({"workspace": workspace}, "name: Missing input"),
        ({"workspace": workspace, "name": "x", "owner": "abc"}, "owner: Not a Long: abc"),
        (
            {"workspace": workspace, "name": "x", "time_period": "123"},
            "time_period: Not a recognized ID: 123",
        ),
        ({"workspace": workspace, "name": "x", "team": workspace}, "team: Not a recognized ID"),
        ({"workspace": workspace, "name": "x", "start_on": "2026-01-01"}, "start_on: Cannot be set without"),
        ({"workspace": workspace, "name": "x", "due_on": "31/12/2026"}, "due_on: Invalid date string"),
        ({"workspace": workspace, "name": "x", "html_notes": "<p>x"}, "html_notes: XML is invalid"),
        (
            {"workspace": workspace, "name": "x", "followers": ["nobody@example.com"]},
            "followers: [0]: Not a rec",
        ),
    ]
    before = client.store.counts()
    for body, message in cases:
        got = _error(client.post("/goals", body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    assert client.store.counts() == before


def test_update_changes_fields_and_refuses_status_without_a_metric(client: SandboxClient) -> None:
    goal = _goal(client, due_on="2026-12-31")
    owner = client.store.all("user")[2]
    response = client.put(
        f"/goals/{goal['gid']}",
        {"name": "Ship it twice", "notes": "a & b", "owner": owner["gid"], "liked": True},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["html_notes"], data["owner"]["gid"]) == (
        "Ship it twice",
        "<body>a &amp; b</body>",
        owner["gid"],
    )
    assert (data["liked"], data["num_likes"]) == (True, 1)
    got = _error(client.put(f"/goals/{goal['gid']}", {"status": "green"}))
    assert got[0] == 400 and got[1].startswith("status: ")
    _metric(client, goal["gid"])
    assert client.put(f"/goals/{goal['gid']}", {"status": "green"}).json()["data"]["status"] == "green"
    for body, message in [
        ({"followers": [owner["gid"]]}, "followers: Cannot write this property"),
        ({"workspace": client.store.all("workspace")[1]["gid"]}, "workspace: Cannot write this property"),
        ({"status": "blue"}, "status: Not one of"),
        ({"start_on": "2027-01-01"}, "start_on: Must be on or before due_on"),
    ]:
        got = _error(client.put(f"/goals/{goal['gid']}", body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    assert client.put("/goals/1", {"name": "x"}).status_code == 404


def test_metrics_are_set_replaced_and_moved(client: SandboxClient) -> None:
    goal = _goal(client)
    got = _error(client.post(f"/goals/{goal['gid']}/setMetricCurrentValue", {"current_number_value": 5}))
    assert got == (400, "current_number_value: The goal has no metric")
    metric = _metric(
        client, goal["gid"], unit="currency", currency_code="EUR", precision=2, initial_number_value=10
    )
    assert (metric["unit"], metric["currency_code"], metric["current_number_value"]) == (
        "currency",
        "EUR",
        10,
    )
    assert (metric["progress_source"], metric["resource_subtype"]) == ("manual", "number")
    response = client.post(f"/goals/{goal['gid']}/setMetricCurrentValue", {"current_number_value": 42.5})
    assert response.status_code == 200
    moved = response.json()["data"]["metric"]
    assert (moved["current_number_value"], moved["current_display_value"]) == (42.5, "42.50")
    replaced = _metric(client, goal["gid"], unit="percentage")
    assert (replaced["unit"], replaced["currency_code"], replaced["current_number_value"]) == (
        "percentage",
        None,
        0,
    )
    for body, message in [
        ({"target_number_value": 0}, "target_number_value: Cannot equal initial_number_value"),
        ({}, "target_number_value: Missing input"),
        ({"target_number_value": 5, "unit": "currency"}, "currency_code: Missing input"),
        ({"target_number_value": 5, "precision": 9}, "precision: Must be between"),
        ({"target_number_value": "5"}, "target_number_value: Not a number"),
    ]:
        got = _error(client.post(f"/goals/{goal['gid']}/setMetric", body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)


def test_progress_rolls_up_from_subgoals(client: SandboxClient) -> None:
    parent, first, second = (_goal(client, name=n) for n in ("Parent", "First", "Second"))
    _metric(client, parent["gid"], progress_source="subgoal_progress", is_custom_weight=True)
    for sub, weight in ((first, 0.75), (second, 0.25)):
        _metric(client, sub["gid"], target_number_value=10)
        link = client.post(
            f"/goals/{parent['gid']}/addSupportingRelationship",
            {"supporting_resource": sub["gid"], "contribution_weight": weight},
        )
        assert link.status_code == 200
    client.post(f"/goals/{first['gid']}/setMetricCurrentValue", {"current_number_value": 10})
    current = client.get(f"/goals/{parent['gid']}").json()["data"]["metric"]["current_number_value"]
    assert current == 75
    got = _error(client.post(f"/goals/{parent['gid']}/setMetricCurrentValue", {"current_number_value": 1}))
    assert got[0] == 400 and "subgoal_progress" in got[1]


def test_followers_are_added_and_removed(client: SandboxClient) -> None:
    goal = _goal(client)
    users = [u["gid"] for u in client.store.all("user")[1:4]]
    response = client.post(f"/goals/{goal['gid']}/addFollowers", {"followers": ",".join(users)})
    assert response.status_code == 200
    assert [u["gid"] for u in response.json()["data"]["followers"]][-3:] == users
    response = client.post(f"/goals/{goal['gid']}/removeFollowers", {"followers": [users[0], "me"]})
    assert [u["gid"] for u in response.json()["data"]["followers"]] == users[1:]
    got = _error(client.post(f"/goals/{goal['gid']}/addFollowers", {}))
    assert got == (400, "followers: Missing input")


def test_supporting_relationships_are_ordered_listed_and_removed(client: SandboxClient) -> None:
    parent, a, b = (_goal(client, name=n) for n in ("Top", "A", "B"))
    project = client.store.all("project")[0]
    path = f"/goals/{parent['gid']}/addSupportingRelationship"
    first = client.post(path, {"supporting_resource": a["gid"]}).json()["data"]
    assert (first["resource_subtype"], first["contribution_weight"]) == ("subgoal", 0)
    assert first["supported_goal"]["gid"] == parent["gid"]
    client.post(path, {"supporting_resource": b["gid"], "insert_before": a["gid"]})
    work = client.post(path, {"supporting_resource": project["gid"], "contribution_weight": 0.5}).json()[
        "data"
    ]
    assert work["resource_subtype"] == "supporting_work"

    def supporters() -> list[str]:
        links = client.get("/goal_relationships", supported_goal=parent["gid"]).json()["data"]
        return [link["supporting_resource"]["gid"] for link in links]

    assert supporters() == [b["gid"], a["gid"], project["gid"]]
    assert [g["gid"] for g in client.get(f"/goals/{a['gid']}/parentGoals").json()["data"]] == [parent["gid"]]
    assert parent["gid"] in {g["gid"] for g in client.get("/goals", project=project["gid"]).json()["data"]}
    updated = client.put(f"/goal_relationships/{first['gid']}", {"contribution_weight": 1})
    assert updated.json()["data"]["contribution_weight"] == 1
    for body, message in [
        ({"supporting_resource": a["gid"]}, "supporting_resource: "),  # already supports it
        ({"supporting_resource": parent["gid"]}, "supporting_resource: A goal cannot support"),
        (
            {"supporting_resource": client.store.all("tag")[0]["gid"]},
            "supporting_resource: Not a recognized ID",
        ),
        (
            {"supporting_resource": _goal(client, name="C")["gid"], "contribution_weight": 2},
            "contribution_weight:",
        ),
        (
            {"supporting_resource": client.store.all("project")[1]["gid"], "insert_after": a["gid"]},
            "insert_after: ",
        ),
    ]:
        got = _error(client.post(path, body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    # A goal above the parent cannot become its subgoal (no cycles).
    client.post(
        f"/goals/{a['gid']}/addSupportingRelationship",
        {"supporting_resource": _goal(client, name="D")["gid"]},
    )
    got = _error(
        client.post(f"/goals/{a['gid']}/addSupportingRelationship", {"supporting_resource": parent["gid"]})
    )
    assert got[0] == 400 and "cannot support" in got[1]
    removed = client.post(
        f"/goals/{parent['gid']}/removeSupportingRelationship", {"supporting_resource": a["gid"]}
    )
    assert (removed.status_code, removed.json()) == (200, {"data": {}})
    assert supporters() == [b["gid"], project["gid"]]
    assert client.get(f"/goal_relationships/{first['gid']}").status_code == 404
    got = _error(client.put(f"/goal_relationships/{work['gid']}", {"supported_goal": a["gid"]}))
    assert got == (400, "supported_goal: Cannot write this property")


def test_delete_takes_relationships_updates_and_memberships_along(client: SandboxClient) -> None:
    parent, goal, sub = (_goal(client, name=n) for n in ("Parent", "Doomed", "Sub"))
    client.post(f"/goals/{parent['gid']}/addSupportingRelationship", {"supporting_resource": goal["gid"]})
    client.post(f"/goals/{goal['gid']}/addSupportingRelationship", {"supporting_resource": sub["gid"]})
    update = client.post("/status_updates", {"parent": goal["gid"], "status_type": "on_track", "text": "ok"})
    response = client.delete(f"/goals/{goal['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert client.get(f"/goals/{goal['gid']}").status_code == 404
    assert client.get(f"/status_updates/{update.json()['data']['gid']}").status_code == 404
    assert client.get("/goal_relationships", supported_goal=parent["gid"]).json()["data"] == []
    assert client.get(f"/goals/{sub['gid']}/parentGoals").json()["data"] == []
    assert client.store.related("membership", "parent", goal["gid"]) == []
    assert client.delete(f"/goals/{goal['gid']}").status_code == 404


def test_writes_append_events_to_the_goal_stream(client: SandboxClient) -> None:
    goal = _goal(client)
    sync = client.get("/events", resource=goal["gid"]).json()["sync"]
    client.put(f"/goals/{goal['gid']}", {"name": "Renamed"})
    _metric(client, goal["gid"])
    client.post(f"/goals/{goal['gid']}/addFollowers", {"followers": [client.store.all("user")[5]["gid"]]})
    link = client.post(
        f"/goals/{goal['gid']}/addSupportingRelationship",
        {"supporting_resource": client.store.all("project")[0]["gid"]},
    ).json()["data"]
    events = client.get("/events", resource=goal["gid"], sync=sync).json()["data"]
    seen = [(e["resource"]["gid"], e["action"], (e.get("change") or {}).get("field")) for e in events]
    assert seen == [
        (goal["gid"], "changed", "name"),
        (goal["gid"], "changed", "metric"),
        (goal["gid"], "changed", "followers"),
        (link["gid"], "added", None),
    ]


@pytest.mark.parametrize("kind", ["project", "task", "portfolio"])
def test_a_deleted_supporting_resource_no_longer_supports_the_goal(client: SandboxClient, kind: str) -> None:
    goal, sub = _goal(client, name="Top"), _goal(client, name="Sub")
    resource = next(r for r in client.store.all(kind) if r["resource_type"] == kind and not r.get("parent"))
    path = f"/goals/{goal['gid']}/addSupportingRelationship"
    link = client.post(path, {"supporting_resource": resource["gid"]}).json()["data"]
    client.post(path, {"supporting_resource": sub["gid"]})
    assert client.delete(f"/{kind}s/{resource['gid']}").status_code == 200
    assert client.get(f"/goal_relationships/{link['gid']}").status_code == 404
    links = client.get("/goal_relationships", supported_goal=goal["gid"]).json()["data"]
    assert [r["supporting_resource"]["gid"] for r in links] == [sub["gid"]]
