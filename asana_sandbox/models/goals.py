"""Goals: create, update, delete, metrics and their progress, followers, and supporting relationships."""

from __future__ import annotations

from asana_sandbox.errors import bad_request, missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models import custom_fields, status_updates
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, placed, ref, rich_text
from asana_sandbox.store import Store

STATUSES = ("green", "yellow", "red", "missed", "achieved", "partial", "dropped")
UNITS = ("none", "currency", "percentage")
PROGRESS_SOURCES = (
    "manual",
    "subgoal_progress",
    "project_task_completion",
    "project_milestone_completion",
    "task_completion",
    "external",
)
# Sources whose current value a user sets; the others are computed (subgoal progress is, here).
_SETTABLE_SOURCES = ("manual", "external")
SUPPORTING_TYPES = ("goal", "project", "task", "portfolio")
MAX_PRECISION = 6


# -- goals ------------------------------------------------------------------------------------------
def create(changes: Changes, body: Body, workspace: Record) -> Record:
    """A new goal in `workspace` (a team's goal when `team` is given); the creator follows it."""
    name = body.text("name", required=True) or ""
    if not name.strip():
        raise missing_input("name")
    team = _team(body, workspace)
    period = _time_period(body, workspace)
    owner = body.obj("owner", "user") if body.has("owner") else changes.actor
    followers = _unique([u for u in (owner, changes.actor) if u] + (body.objs("followers", "user") or []))
    due_on, start_on = body.date("due_on"), body.date("start_on")
    _check_dates(start_on, due_on)
    notes, html_notes = _notes(body)
    workspace_level = body.boolean("is_workspace_level")
    liked = bool(body.boolean("liked"))
    goal: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "goal",
        "name": name,
        "html_notes": html_notes,
        "notes": notes,
        "due_on": due_on,
        "start_on": start_on,
        "is_workspace_level": team is None if workspace_level is None else workspace_level,
        "liked": False,
        "likes": [],
        "num_likes": 0,
        "team": ref(team) if team else None,
        "workspace": ref(workspace),
        "followers": [ref(u) for u in followers],
        "time_period": _period_ref(period) if period else None,
        "metric": None,
        "owner": ref(owner) if owner else None,
        "current_status_update": None,
        "status": None,
        "privacy_setting": "public_to_workspace",
        "default_access_level": "editor",
        "custom_fields": [],
        "custom_field_settings": [],
    }
    goal.update(_likes(changes, goal, liked))
    changes.insert(goal, parent=team or workspace)
    if owner is not None:
        changes.insert(
            {
                "gid": changes.store.new_gid(),
                "resource_type": "membership",
                "resource_subtype": "goal_membership",
                "member": ref(owner),
                "parent": ref(goal),
                "role": "owner",
                "access_level": "editor",
                "goal": ref(goal),
                "user": ref(owner),
                "workspace": ref(workspace),
            },
            parent=goal,
        )
    return goal


def update(changes: Changes, goal: Record, body: Body) -> Record:
    """Any field of the request schema; `status` only once the goal has a metric (spec)."""
    body.forbid("followers")
    workspace = body.obj("workspace", "workspace")
    if workspace is not None and workspace["gid"] != goal["workspace"]["gid"]:
        raise bad_request("workspace: Cannot write this property")
    own_workspace = changes.store.get(goal["workspace"]["gid"]) or goal["workspace"]
    updates: Record = {}
    if body.has("name"):
        updates["name"] = body.text("name", required=True)
        if not updates["name"].strip():
            raise missing_input("name")
    if body.has("notes") or body.has("html_notes"):
        updates["notes"], updates["html_notes"] = _notes(body)
    for key in ("due_on", "start_on"):
        if body.has(key):
            updates[key] = body.date(key)
    _check_dates(updates.get("start_on", goal.get("start_on")), updates.get("due_on", goal.get("due_on")))
    if body.has("is_workspace_level"):
        updates["is_workspace_level"] = body.boolean("is_workspace_level", required=True)
    if body.has("team"):
        team = _team(body, own_workspace)
        updates["team"] = ref(team) if team else None
    if body.has("time_period"):
        period = _time_period(body, own_workspace)
        updates["time_period"] = _period_ref(period) if period else None
    if body.has("owner"):
        owner = body.obj("owner", "user")
        updates["owner"] = ref(owner) if owner else None
    if body.has("status"):
        status = body.choice("status", STATUSES)
        if goal.get("metric") is None:
            raise bad_request("status: Cannot be written until the goal has a metric")
        updates["status"] = status
    if body.has("custom_fields"):
        updates["custom_fields"] = custom_fields.values_from(body, goal, goal["workspace"]["gid"])
    if body.has("liked"):
        updates.update(_likes(changes, goal, bool(body.boolean("liked", required=True))))
    changed = changes.update(goal, updates)
    if "owner" in changed or "name" in changed:
        for link in changes.store.related("goal_relationship", "supported_goal", goal["gid"]):
            changes.update(link, {"supported_goal": _supported(goal)})
    return goal


def delete(changes: Changes, goal: Record) -> None:
    """The goal goes with what exists only for it: its relationships either way, memberships, custom field
    settings, status updates and comments."""
    store = changes.store
    parents = [
        p for p in (store.get(r["supported_goal"]["gid"]) for r in _supporting_links(changes, goal)) if p
    ]
    for link in store.related("goal_relationship", "supported_goal", goal["gid"]):
        changes.delete(link)
    for link in _supporting_links(changes, goal):
        if store.get(link["gid"]) is not None:
            _unlink(changes, link)
    for membership in store.related("membership", "parent", goal["gid"]):
        changes.delete(membership)
    custom_fields.remove_all_settings(changes, goal)
    status_updates.delete_for(changes, goal)
    for story in store.related("story", "target", goal["gid"]):
        changes.delete(story)
    custom_fields.drop_references(changes, goal)
    changes.delete(goal)
    for parent in parents:
        _roll_up(changes, parent)


def add_followers(changes: Changes, goal: Record, body: Body) -> Record:
    users = body.objs("followers", "user", required=True) or []
    followers = _unique([*(goal.get("followers") or ()), *(ref(u) for u in users)])
    changes.update(goal, {"followers": [ref(u) for u in followers]})
    return goal


def remove_followers(changes: Changes, goal: Record, body: Body) -> Record:
    gone = {u["gid"] for u in body.objs("followers", "user", required=True) or []}
    changes.update(goal, {"followers": [u for u in goal.get("followers") or () if u["gid"] not in gone]})
    return goal


def _team(body: Body, workspace: Record) -> Record | None:
    team = body.obj("team", "team")
    if team is not None and (team.get("organization") or {}).get("gid") != workspace["gid"]:
        raise bad_request(f"team: Not a recognized ID: {team['gid']}")
    return team


def _time_period(body: Body, workspace: Record) -> Record | None:
    period = body.obj("time_period", "time_period")
    if period is not None and period.get("_workspace") != workspace["gid"]:
        raise bad_request(f"time_period: Not a recognized ID: {period['gid']}")
    return period


def _period_ref(period: Record) -> Record:
    keys = ("gid", "resource_type", "display_name", "end_on", "start_on", "period")
    return {k: period.get(k) for k in keys}


def _notes(body: Body) -> tuple[str, str]:
    html = body.html("html_notes")
    return rich_text(None if html else body.text("notes"), html)


def _check_dates(start_on: str | None, due_on: str | None) -> None:
    # The spec: start_on "cannot be set unless there is an accompanying due date".
    if start_on and not due_on:
        raise bad_request("start_on: Cannot be set without a due date (due_on)")
    if start_on and due_on and start_on > due_on:
        raise bad_request("start_on: Must be on or before due_on")


def _likes(changes: Changes, goal: Record, liked: bool) -> Record:
    """`liked` is the token user's like: it adds or removes their entry in `likes`."""
    actor = changes.actor
    likes = [like for like in goal.get("likes") or () if not actor or like["user"]["gid"] != actor["gid"]]
    if liked and actor:
        likes.append({"gid": changes.store.new_gid(), "user": ref(actor)})
    return {"liked": liked, "likes": likes, "num_likes": len(likes)}


def _unique(users: list[Record]) -> list[Record]:
    return list({u["gid"]: u for u in users}.values())


# -- metrics ----------------------------------------------------------------------------------------
def set_metric(changes: Changes, goal: Record, body: Body) -> Record:
    """Give the goal a number metric, replacing the one it has (spec)."""
    unit = body.choice("unit", UNITS) or "none"
    precision = body.integer("precision", minimum=0)
    if precision is not None and precision > MAX_PRECISION:
        raise bad_request(f"precision: Must be between 0 and {MAX_PRECISION}, inclusive")
    currency = body.text("currency_code") if unit == "currency" else None
    if unit == "currency" and not currency:
        raise missing_input("currency_code")
    initial = body.number("initial_number_value")
    initial = 0 if initial is None else initial
    target = body.number("target_number_value", required=True)
    if target == initial:
        raise bad_request("target_number_value: Cannot equal initial_number_value")
    current = body.number("current_number_value")
    metric: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "custom_field",
        "resource_subtype": "number",
        "precision": precision or 0,
        "unit": unit,
        "currency_code": currency,
        "initial_number_value": initial,
        "target_number_value": target,
        "current_number_value": initial if current is None else current,
        "current_display_value": "",
        "progress_source": body.choice("progress_source", PROGRESS_SOURCES) or "manual",
        "is_custom_weight": bool(body.boolean("is_custom_weight")),
        "can_manage": True,
    }
    metric["current_display_value"] = _display(metric, metric["current_number_value"])
    changes.update(goal, {"metric": metric})
    _roll_up(changes, goal)
    return goal


def set_current_value(changes: Changes, goal: Record, body: Body) -> Record:
    """The metric's current value; 400 without a metric (spec) or when progress is computed."""
    value = body.number("current_number_value", required=True)
    metric = goal.get("metric")
    if not metric:
        raise bad_request("current_number_value: The goal has no metric")
    if metric.get("progress_source") not in _SETTABLE_SOURCES:
        raise bad_request(
            f"current_number_value: Computed from the goal's {metric['progress_source']}; it cannot be set"
        )
    _set_current(changes, goal, value)
    return goal


def _set_current(changes: Changes, goal: Record, value: float, depth: int = 0) -> None:
    metric = {**goal["metric"], "current_number_value": value}
    metric["current_display_value"] = _display(metric, value)
    if changes.update(goal, {"metric": metric}):
        for parent in _parents(changes, goal):
            _roll_up(changes, parent, depth + 1)


def _display(metric: Record, value: float) -> str:
    return f"{value:.{metric.get('precision') or 0}f}"


def _progress(goal: Record) -> float | None:
    """How far the goal's metric is from its initial to its target value, within 0..1."""
    metric = goal.get("metric")
    if not metric:
        return None
    span = metric["target_number_value"] - metric["initial_number_value"]
    if not span:
        return None
    done = (metric["current_number_value"] - metric["initial_number_value"]) / span
    return min(1.0, max(0.0, done))


def _roll_up(changes: Changes, goal: Record, depth: int = 0) -> None:
    """A goal whose progress comes from its subgoals takes their (weighted) progress, and passes it on."""
    metric = goal.get("metric")
    if not metric or metric.get("progress_source") != "subgoal_progress" or depth > 20:
        return
    weighted = []
    for link in relationships(changes.store, goal):
        sub = changes.store.get(link["supporting_resource"]["gid"], "goal")
        progress = _progress(sub) if sub else None
        if progress is not None:
            weight = (link.get("contribution_weight") or 0) if metric.get("is_custom_weight") else 1
            weighted.append((weight, progress))
    total = sum(w for w, _ in weighted)
    share = sum(w * p for w, p in weighted) / total if total else 0.0
    initial, target = metric["initial_number_value"], metric["target_number_value"]
    value = round(initial + (target - initial) * share, metric.get("precision") or 0)
    _set_current(changes, goal, value, depth)


# -- relationships ----------------------------------------------------------------------------------
def relationships(store: Store, goal: Record) -> list[Record]:
    """What supports the goal, in its order (`insert_before`/`insert_after` place subgoals)."""
    links = store.related("goal_relationship", "supported_goal", goal["gid"])
    order = {gid: k for k, gid in enumerate(goal.get("_relationship_order") or ())}
    return sorted(links, key=lambda r: (0, order[r["gid"]]) if r["gid"] in order else (1, 0))


def _supporting_links(changes: Changes, resource: Record) -> list[Record]:
    return changes.store.related("goal_relationship", "supporting_resource", resource["gid"])


def _parents(changes: Changes, goal: Record) -> list[Record]:
    links = _supporting_links(changes, goal)
    return [p for p in (changes.store.get(r["supported_goal"]["gid"], "goal") for r in links) if p]


def _supported(goal: Record) -> Record:
    return {**ref(goal), "owner": dict(goal["owner"]) if goal.get("owner") else None}


def _weight(body: Body) -> float | None:
    weight = body.number("contribution_weight")
    if weight is not None and not 0 <= weight <= 1:
        raise bad_request("contribution_weight: Must be between 0 and 1, inclusive")
    return weight


def add_relationship(changes: Changes, goal: Record, body: Body) -> Record:
    """`supporting_resource` (a goal, project, task or portfolio) now supports the goal."""
    resource = body.obj("supporting_resource", SUPPORTING_TYPES, required=True)
    assert resource is not None
    weight = _weight(body)
    anchor = body.anchor()
    links = relationships(changes.store, goal)
    if any(r["supporting_resource"]["gid"] == resource["gid"] for r in links):
        raise bad_request(f"supporting_resource: {resource['gid']} already supports this goal")
    subgoal = resource["resource_type"] == "goal"
    if subgoal and _is_ancestor(changes, resource, goal):
        raise bad_request(
            f"supporting_resource: A goal cannot support itself or a goal it supports: {resource['gid']}"
        )
    order = [{"gid": r["gid"]} for r in links]
    if anchor is not None:
        # The anchor is a subgoal of this goal; placing applies to subgoals only (spec).
        name = f"insert_{anchor[0]}"
        if not subgoal:
            raise bad_request(f"{name}: Only a subgoal can be placed")
        at = next((r for r in links if r["supporting_resource"]["gid"] == anchor[1]), None)
        if at is None or at["resource_subtype"] != "subgoal":
            raise bad_request(f"{name}: Not a subgoal of this goal: {anchor[1]}")
        anchor = (anchor[0], at["gid"])
    link: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "goal_relationship",
        "resource_subtype": "subgoal" if subgoal else "supporting_work",
        "supporting_resource": ref(resource),
        "contribution_weight": 0 if weight is None else weight,
        "supported_goal": _supported(goal),
    }
    changes.insert(link, parent=goal)
    ordered = placed(order, {"gid": link["gid"]}, anchor) or []
    changes.update(goal, {"_relationship_order": [r["gid"] for r in ordered]}, touch=False)
    _roll_up(changes, goal)
    return link


def remove_relationship(changes: Changes, goal: Record, body: Body) -> None:
    resource = body.obj("supporting_resource", SUPPORTING_TYPES, required=True)
    assert resource is not None
    link = next(
        (r for r in relationships(changes.store, goal) if r["supporting_resource"]["gid"] == resource["gid"]),
        None,
    )
    if link is None:
        raise bad_request(f"supporting_resource: {resource['gid']} does not support this goal")
    _unlink(changes, link)
    _roll_up(changes, goal)


def update_relationship(changes: Changes, link: Record, body: Body) -> Record:
    """Only the contribution weight changes: the two ends are read only (spec)."""
    body.forbid("supporting_resource", "supported_goal", "resource_subtype")
    weight = _weight(body)
    if weight is not None and changes.update(link, {"contribution_weight": weight}):
        goal = changes.store.get(link["supported_goal"]["gid"], "goal")
        if goal is not None:
            _roll_up(changes, goal)
    return link


def drop_supporting(changes: Changes, resource: Record) -> None:
    """A supporting project, task or portfolio is going away: its relationships go with it."""
    for link in list(_supporting_links(changes, resource)):
        goal = _unlink(changes, link)
        if goal is not None:
            _roll_up(changes, goal)


def _unlink(changes: Changes, link: Record) -> Record | None:
    """Delete a relationship and take it out of its goal's order; returns the goal it supported."""
    goal = changes.store.get(link["supported_goal"]["gid"], "goal")
    changes.delete(link)
    order = (goal or {}).get("_relationship_order")
    if goal is not None and order and link["gid"] in order:
        kept = [gid for gid in order if gid != link["gid"]]
        changes.update(goal, {"_relationship_order": kept}, touch=False)
    return goal


def _is_ancestor(changes: Changes, candidate: Record, goal: Record) -> bool:
    """Whether `candidate` is `goal` or a goal it supports, directly or through other goals."""
    seen: set[str] = set()
    todo = [goal]
    while todo:
        current = todo.pop()
        if current["gid"] == candidate["gid"]:
            return True
        if current["gid"] in seen:
            continue
        seen.add(current["gid"])
        todo.extend(_parents(changes, current))
    return False
