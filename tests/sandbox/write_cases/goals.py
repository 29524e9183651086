"""Write cases for goals: create, update, delete, metrics, followers and supporting relationships."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _workspace(store: Store) -> str:
    return store.all("workspace")[0]["gid"]


def _goal(store: Store, index: int = 0) -> str:
    return store.all("goal")[index]["gid"]


def _with_metric(store: Store) -> str:
    return next(g["gid"] for g in store.all("goal") if g.get("metric"))


def _user(store: Store, index: int = 1) -> str:
    return store.all("user")[index]["gid"]


def _link(store: Store) -> dict:
    return store.all("goal_relationship")[0]


def _subgoal_parent(store: Store) -> dict:
    """A goal with a subgoal (to place a new one before) and a goal that supports nothing yet."""
    link = next(r for r in store.all("goal_relationship") if r["resource_subtype"] == "subgoal")
    return link


def _loose_goal(store: Store, parent: str) -> str:
    """A goal that can become a subgoal of `parent`: not the parent and not above it."""
    above = {parent}
    changed = True
    while changed:
        changed = False
        for r in store.all("goal_relationship"):
            if r["supporting_resource"]["gid"] in above and r["supported_goal"]["gid"] not in above:
                above.add(r["supported_goal"]["gid"])
                changed = True
    supporting = {
        r["supporting_resource"]["gid"]
        for r in store.all("goal_relationship")
        if r["supported_goal"]["gid"] == parent
    }
    return next(g["gid"] for g in store.all("goal") if g["gid"] not in above | supporting)


CASES = [
    WriteCase(
        "POST /goals",
        lambda s: WriteRequest(
            "/goals",
            {
                "data": {
                    "name": "Grow web traffic by 30%",
                    "workspace": _workspace(s),
                    "notes": "Start building brand awareness.",
                    "due_on": "2026-12-31",
                    "start_on": "2026-07-01",
                    "owner": "me",
                    "followers": [_user(s)],
                }
            },
        ),
        201,
    ),
    WriteCase(
        "PUT /goals/{goal_gid}",
        lambda s: WriteRequest(
            f"/goals/{_with_metric(s)}", {"data": {"name": "Grow faster", "status": "yellow", "liked": True}}
        ),
    ),
    WriteCase("DELETE /goals/{goal_gid}", lambda s: WriteRequest(f"/goals/{_goal(s)}")),
    WriteCase(
        "POST /goals/{goal_gid}/setMetric",
        lambda s: WriteRequest(
            f"/goals/{_goal(s)}/setMetric",
            {
                "data": {
                    "unit": "currency",
                    "currency_code": "EUR",
                    "precision": 2,
                    "initial_number_value": 0,
                    "target_number_value": 1000,
                    "current_number_value": 250,
                    "progress_source": "manual",
                }
            },
        ),
    ),
    WriteCase(
        "POST /goals/{goal_gid}/setMetricCurrentValue",
        lambda s: WriteRequest(
            f"/goals/{_with_metric(s)}/setMetricCurrentValue", {"data": {"current_number_value": 42.5}}
        ),
    ),
    WriteCase(
        "POST /goals/{goal_gid}/addFollowers",
        lambda s: WriteRequest(f"/goals/{_goal(s)}/addFollowers", {"data": {"followers": [_user(s, 4)]}}),
    ),
    WriteCase(
        "POST /goals/{goal_gid}/removeFollowers",
        lambda s: WriteRequest(
            f"/goals/{_goal(s)}/removeFollowers",
            {"data": {"followers": [s.all("goal")[0]["followers"][0]["gid"]]}},
        ),
    ),
    WriteCase(
        "PUT /goal_relationships/{goal_relationship_gid}",
        lambda s: WriteRequest(
            f"/goal_relationships/{_link(s)['gid']}", {"data": {"contribution_weight": 0.25}}
        ),
    ),
    WriteCase(
        "POST /goals/{goal_gid}/addSupportingRelationship",
        lambda s: WriteRequest(
            f"/goals/{(link := _subgoal_parent(s))['supported_goal']['gid']}/addSupportingRelationship",
            {
                "data": {
                    "supporting_resource": _loose_goal(s, link["supported_goal"]["gid"]),
                    "insert_before": link["supporting_resource"]["gid"],
                    "contribution_weight": 0.5,
                }
            },
        ),
    ),
    WriteCase(
        "POST /goals/{goal_gid}/addSupportingRelationship",
        lambda s: WriteRequest(
            f"/goals/{_goal(s)}/addSupportingRelationship", {"data": {"supporting_resource": _goal(s)}}
        ),
        400,
        "itself",
    ),
    WriteCase(
        "POST /goals/{goal_gid}/removeSupportingRelationship",
        lambda s: WriteRequest(
            f"/goals/{_link(s)['supported_goal']['gid']}/removeSupportingRelationship",
            {"data": {"supporting_resource": _link(s)["supporting_resource"]["gid"]}},
        ),
    ),
]
