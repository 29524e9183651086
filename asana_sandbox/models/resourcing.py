"""Resource management: allocations of people to projects, project budgets and rates, and time off.

A budget's actual is what the time entries attributed to its project add up to under its billable filter
(minutes, or hours times each person's rate on the project), so it follows every entry and rate write.
Placeholders (people to hire) have no endpoint of their own: the sandbox knows one through the rates and
allocations that name it.
"""

from __future__ import annotations

from typing import Any

from asana_sandbox.datasets.resourcing import BILLABLE, CURRENCY
from asana_sandbox.errors import ApiError, bad_request, missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref
from asana_sandbox.store import Store

BUDGET_TYPES = ("cost", "time")
STATUS_FILTERS = ("billable", "non_billable", "any")
ESTIMATE_SOURCES = ("none", "tasks", "capacity_plans")
EFFORT_TYPES = ("hours", "percent")
PLACEHOLDER_RATES_MESSAGE = (
    "Payment Required: modifying placeholder rates is only available to Enterprise organizations."
)


# -- shared readers ---------------------------------------------------------------------------------------
def nested(body: Body, name: str) -> Body | None:
    """The object in field `name`, read with Body's readers under the names `<name>.<field>` (so that a 400
    says `effort.type: ...`); None when the field is absent or null."""
    value = body.raw(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(f"{name}: Not an object: {value!r}")
    return Body({f"{name}.{key}": item for key, item in value.items()}, body.store, body.user_gid)


def amount(body: Body, name: str, *, required: bool = False, positive: bool = False) -> float | int | None:
    """A number that cannot be negative (a rate, a budget) or must be above zero (an effort)."""
    value = body.number(name, required=required)
    if value is not None and (value <= 0 if positive else value < 0):
        raise bad_request(f"{name}: Must be {'greater than' if positive else 'at least'} 0: {value}")
    return value


def dates(body: Body, current: Record | None = None) -> tuple[str, str]:
    """`start_date` and `end_date` (required on a create, else the current ones), in order."""
    start = body.date("start_date", required=True) if current is None or body.has("start_date") else None
    end = body.date("end_date", required=True) if current is None or body.has("end_date") else None
    start = start or (current or {})["start_date"]
    end = end or (current or {})["end_date"]
    if end < start:
        raise bad_request(f"end_date: Must be on or after start_date ({start}): {end}")
    return start, end


def member(user: Record, workspace_gid: str, name: str) -> Record:
    """`user`, when it belongs to the workspace; 400 naming the field otherwise."""
    if workspace_gid not in {w["gid"] for w in user.get("workspaces") or ()}:
        raise bad_request(f"{name}: Not a member of the workspace: {user['gid']}")
    return user


def resource(changes: Changes, body: Body, name: str, workspace_gid: str) -> Record:
    """The user or placeholder a required field names (a gid, `me` or an email), of the workspace."""
    value = body.raw(name)
    if value is None:
        raise missing_input(name)
    if not (isinstance(value, str) and "@" in value):
        placeholder = _placeholder(changes.store, body.gid(name, value), workspace_gid)
        if placeholder is not None:
            return placeholder
    return member(body.lookup(name, value, "user"), workspace_gid, name)


def _placeholder(store: Store, gid: str, workspace_gid: str) -> Record | None:
    """The placeholder `gid` names, as a rate or an allocation of the workspace shows it."""
    for rate in store.related("rate", "resource", gid):
        project = store.get(rate["parent"]["gid"], "project") or {}
        in_workspace = (project.get("workspace") or {}).get("gid") == workspace_gid
        if rate["resource"]["resource_type"] == "placeholder" and in_workspace:
            return dict(rate["resource"])
    for allocation in store.related("allocation", "assignee", gid):
        if (
            allocation["assignee"]["resource_type"] == "placeholder"
            and allocation["_workspace"] == workspace_gid
        ):
            return dict(allocation["assignee"])
    return None


# -- allocations ------------------------------------------------------------------------------------------
def create_allocation(changes: Changes, body: Body, project: Record) -> Record:
    """A person's (or placeholder's) time on a project from `start_date` to `end_date`."""
    workspace_gid = project["workspace"]["gid"]
    assignee = resource(changes, body, "assignee", workspace_gid)
    start, end = dates(body)
    allocation: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "allocation",
        "start_date": start,
        "end_date": end,
        "effort": _effort(body),
        "assignee": ref(assignee),
        "created_by": changes.actor_ref(),
        "parent": ref(project),
        "resource_subtype": "project_allocation",
        "_workspace": workspace_gid,
    }
    return changes.insert(allocation, parent=project)


def update_allocation(changes: Changes, allocation: Record, body: Body) -> Record:
    """Dates (kept in order), effort (null clears it), assignee, and project within the same workspace."""
    start, end = dates(body, allocation)
    updates: Record = {"start_date": start, "end_date": end}
    if body.has("effort"):
        updates["effort"] = _effort(body)
    if body.has("assignee"):
        updates["assignee"] = ref(resource(changes, body, "assignee", allocation["_workspace"]))
    if body.has("parent"):
        project = body.obj("parent", "project", required=True)
        assert project is not None
        if project["workspace"]["gid"] != allocation["_workspace"]:
            raise bad_request(f"parent: The project is in another workspace: {project['gid']}")
        updates["parent"] = ref(project)
    changes.update(allocation, updates, touch=False)
    return allocation


def _effort(body: Body) -> Record | None:
    part = nested(body, "effort")
    if part is None:
        return None
    kind = part.choice("effort.type", EFFORT_TYPES, required=True)
    return {"type": kind, "value": amount(part, "effort.value", required=True, positive=True)}


# -- budgets ----------------------------------------------------------------------------------------------
def create_budget(changes: Changes, body: Body, project: Record) -> Record:
    """A project's budget, in time or cost; a project has at most one."""
    if changes.store.related("budget", "parent", project["gid"]):
        raise bad_request(f"parent: The project already has a budget: {project['gid']}")
    body.require("budget_type")
    budget: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "budget",
        "budget_type": None,
        "estimate": {"billable_status_filter": "billable", "source": "none", "enabled": False},
        "actual": {"billable_status_filter": "billable"},
        "total": {"enabled": False},
        "parent": ref(project),
        "_totals": {},
    }
    budget.update(_settings(body, budget))
    budget.update(_values(changes.store, budget, None))
    return changes.insert(budget, parent=project)


def update_budget(changes: Changes, budget: Record, body: Body) -> Record:
    """Type, estimate, actual filter and total; the project is set at creation."""
    body.forbid("parent")
    settings = _settings(body, budget)
    values = _values(changes.store, {**budget, **settings}, budget)
    changes.update(budget, {**settings, **values}, touch=False)
    return budget


def refresh_budgets(changes: Changes, project_gid: str) -> None:
    """Recompute the budget of a project after its time entries or rates changed."""
    for budget in changes.store.related("budget", "parent", project_gid):
        changes.update(budget, _values(changes.store, budget, budget), touch=False)


def _settings(body: Body, budget: Record) -> Record:
    """What a request sets: the type, the estimate's source, filter and display, the actual's filter, and
    the total (kept per budget type: switching types keeps each type's total)."""
    kind = body.choice("budget_type", BUDGET_TYPES, required=True) if body.has("budget_type") else None
    kind = kind or budget["budget_type"]
    estimate = {k: budget["estimate"][k] for k in ("billable_status_filter", "source", "enabled")}
    part = nested(body, "estimate")
    if part is not None:
        if part.has("estimate.billable_status_filter"):
            estimate["billable_status_filter"] = part.choice(
                "estimate.billable_status_filter", STATUS_FILTERS, required=True
            )
        if part.has("estimate.source"):
            estimate["source"] = part.choice("estimate.source", ESTIMATE_SOURCES, required=True)
        if part.has("estimate.enabled"):
            estimate["enabled"] = part.boolean("estimate.enabled", required=True)
    if estimate["enabled"] and estimate["source"] == "none":
        raise bad_request("estimate.source: Must not be none when the estimate is enabled")
    actual_filter = budget["actual"]["billable_status_filter"]
    part = nested(body, "actual")
    if part is not None and part.has("actual.billable_status_filter"):
        actual_filter = part.choice("actual.billable_status_filter", STATUS_FILTERS, required=True)
    totals = dict(_totals(budget))
    enabled = bool(budget["total"]["enabled"])
    part = nested(body, "total")
    if part is not None:
        if part.has("total.enabled"):
            enabled = bool(part.boolean("total.enabled", required=True))
        if part.has("total.value"):
            totals[kind] = amount(part, "total.value", required=True)
    return {
        "budget_type": kind,
        "estimate": estimate,
        "actual": {"billable_status_filter": actual_filter},
        "total": {"enabled": enabled},
        "_totals": totals,
    }


def _totals(budget: Record) -> dict[str, Any]:
    if "_totals" in budget:
        return budget["_totals"]
    # A dataset budget: its total is its type's.
    value = budget["total"].get("value")
    return {budget["budget_type"]: value} if value is not None else {}


def _values(store: Store, budget: Record, previous: Record | None) -> Record:
    """The estimate, actual and total with their values and units, from the budget's settings.

    The actual adds up the project's time entries. The sandbox keeps no task-level estimates or capacity
    plans: an estimate shows the value it last had for its source and budget type (0 for a new one).
    """
    kind = budget["budget_type"]
    units = "minutes" if kind == "time" else CURRENCY
    estimate = {k: budget["estimate"][k] for k in ("billable_status_filter", "source", "enabled")}
    estimates = dict(_estimates(previous)) if previous else {}
    if estimate["source"] == "none":
        estimate.update(value=None, units=None)
    else:
        key = f"{estimate['source']}/{kind}"
        estimates[key] = estimates.get(key, 0)
        estimate.update(value=estimates[key], units=units)
    actual_filter = budget["actual"]["billable_status_filter"]
    actual = {
        "billable_status_filter": actual_filter,
        "value": _actual(store, budget["parent"]["gid"], kind, actual_filter),
        "units": units,
    }
    enabled = bool(budget["total"]["enabled"])
    total = {
        "enabled": enabled,
        "value": _totals(budget).get(kind, 0) if enabled else None,
        "units": units if enabled else None,
    }
    return {"estimate": estimate, "actual": actual, "total": total, "_estimates": estimates}


def _estimates(budget: Record) -> dict[str, Any]:
    """Estimate values by `<source>/<budget type>`, kept while a budget switches between them."""
    if "_estimates" in budget:
        return budget["_estimates"]
    # A dataset budget: its estimate is that of its source and type.
    estimate = budget["estimate"]
    if estimate.get("value") is None:
        return {}
    return {f"{estimate['source']}/{budget['budget_type']}": estimate["value"]}


def _actual(store: Store, project_gid: str, kind: str, status_filter: str) -> float | int:
    statuses = BILLABLE[status_filter]
    logged = [
        e
        for e in store.related("time_tracking_entry", "attributable_to", project_gid)
        if e.get("billable_status") in statuses
    ]
    if kind == "time":
        return sum(e["duration_minutes"] for e in logged)
    rates = {r["resource"]["gid"]: r["rate"] for r in store.related("rate", "parent", project_gid)}
    return round(sum(e["duration_minutes"] / 60 * rates.get(e["created_by"]["gid"], 0) for e in logged), 2)


# -- rates ------------------------------------------------------------------------------------------------
def create_rate(changes: Changes, body: Body, project: Record, *, placeholders: bool) -> Record:
    """The rate of a user or placeholder on a project, one per pair, in the domain's currency.

    `placeholders`: the workspace may set placeholders' rates (Enterprise organizations only).
    """
    person = resource(changes, body, "resource", project["workspace"]["gid"])
    _may_rate(person, placeholders)
    value = amount(body, "rate", required=True)
    rates = changes.store.related("rate", "parent", project["gid"])
    if any(r["resource"]["gid"] == person["gid"] for r in rates):
        raise bad_request(f"resource: Already has a rate on this project: {person['gid']}")
    rate: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "rate",
        "parent": ref(project),
        "resource": ref(person),
        "rate": value,
        "currency_code": CURRENCY,
        "created_by": changes.actor_ref(),
    }
    changes.insert(rate, parent=project)
    refresh_budgets(changes, project["gid"])
    return rate


def update_rate(changes: Changes, rate: Record, body: Body, *, placeholders: bool) -> Record:
    """Only the amount changes (the spec: "the only field that can be updated is the `rate` field")."""
    body.forbid("parent", "resource")
    _may_rate(rate["resource"], placeholders)
    changes.update(rate, {"rate": amount(body, "rate", required=True)}, touch=False)
    refresh_budgets(changes, rate["parent"]["gid"])
    return rate


def delete_rate(changes: Changes, rate: Record, *, placeholders: bool) -> None:
    _may_rate(rate["resource"], placeholders)
    changes.delete(rate)
    refresh_budgets(changes, rate["parent"]["gid"])


def _may_rate(person: Record, placeholders: bool) -> None:
    if person["resource_type"] == "placeholder" and not placeholders:
        raise ApiError(402, PLACEHOLDER_RATES_MESSAGE)


# -- out-of-office entries --------------------------------------------------------------------------------
def create_ooo_entry(changes: Changes, body: Body, workspace: Record) -> Record:
    """Time off of a member of the workspace, from `start_date` to `end_date` (inclusive)."""
    user = body.obj("user", "user", required=True)
    assert user is not None
    member(user, workspace["gid"], "user")
    start, end = dates(body)
    entry: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "ooo_entry",
        "start_date": start,
        "end_date": end,
        "user": ref(user),
        "created_by": changes.actor_ref(),
        "_workspace": workspace["gid"],
    }
    return changes.insert(entry, parent=user)


def update_ooo_entry(changes: Changes, entry: Record, body: Body) -> Record:
    """The dates move (kept in order); whose time off it is and where are set at creation."""
    body.forbid("user", "workspace")
    start, end = dates(body, entry)
    changes.update(entry, {"start_date": start, "end_date": end}, touch=False)
    return entry
