"""Portfolios: create, update, delete, their items (projects and portfolios) and their members."""

from __future__ import annotations

from asana_sandbox.errors import bad_request, missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models import access_requests, custom_fields, goals, status_updates
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, placed, ref
from asana_sandbox.models.tags import COLORS

ACCESS_LEVELS = ("admin", "editor", "viewer")
ITEM_TYPES = ("project", "portfolio")
DEFAULT_COLOR = "light-green"


def create(changes: Changes, body: Body) -> Record:
    """A new portfolio in the body's workspace, owned by its creator, its first (admin) member."""
    workspace = body.obj("workspace", "workspace", required=True)
    assert workspace is not None
    name = body.text("name", required=True) or ""
    if not name.strip():
        raise missing_input("name")
    public = bool(body.boolean("public"))
    gid = changes.store.new_gid()
    actor = changes.actor_ref()
    portfolio: Record = {
        "gid": gid,
        "resource_type": "portfolio",
        "name": name,
        "archived": bool(body.boolean("archived")),
        "color": body.choice("color", COLORS) or DEFAULT_COLOR,
        "start_on": body.date("start_on"),
        "due_on": body.date("due_on"),
        "default_access_level": body.choice("default_access_level", ACCESS_LEVELS) or "editor",
        "created_at": changes.now,
        "created_by": actor,
        "custom_field_settings": [],
        "current_status_update": None,
        "custom_fields": [],
        "members": [actor] if actor else [],
        "owner": actor,
        "workspace": ref(workspace),
        "permalink_url": f"https://app.asana.com/0/portfolio/{gid}/list",
        "public": public,
        "privacy_setting": "public_to_domain" if public else "members_only",
        "project_templates": [],
        "_items": [],
    }
    _check_dates(portfolio["start_on"], portfolio["due_on"])
    changes.insert(portfolio, parent=workspace)
    if changes.actor is not None:
        _memberships(changes, portfolio, changes.actor, "admin")
    return portfolio


def update(changes: Changes, portfolio: Record, body: Body) -> Record:
    """The request schema's fields; the workspace is set at creation and members change through
    addMembers/removeMembers."""
    body.forbid("workspace", "members", "owner")
    updates: Record = {}
    if body.has("name"):
        updates["name"] = body.text("name", required=True)
        if not updates["name"].strip():
            raise missing_input("name")
    if body.has("archived"):
        updates["archived"] = body.boolean("archived", required=True)
    if body.has("color"):
        updates["color"] = body.choice("color", COLORS, required=True)
    for key in ("start_on", "due_on"):
        if body.has(key):
            updates[key] = body.date(key)
    _check_dates(
        updates.get("start_on", portfolio.get("start_on")), updates.get("due_on", portfolio.get("due_on"))
    )
    if body.has("default_access_level"):
        updates["default_access_level"] = body.choice("default_access_level", ACCESS_LEVELS, required=True)
    if body.has("public"):
        public = body.boolean("public", required=True)
        updates.update(public=public, privacy_setting="public_to_domain" if public else "members_only")
    if body.has("custom_fields"):
        updates["custom_fields"] = custom_fields.values_from(body, portfolio, portfolio["workspace"]["gid"])
    changes.update(portfolio, updates)
    return portfolio


def delete(changes: Changes, portfolio: Record) -> None:
    """The portfolio goes with its memberships, settings, status updates, supporting relationships and
    requests to join it; its items stay (as projects, or portfolios), out of it."""
    store = changes.store
    for holder in store.related("portfolio", "_items", portfolio["gid"]):
        _drop_item(changes, holder, portfolio)
    for kind in ("portfolio_membership", "membership"):
        for membership in store.related(kind, "parent", portfolio["gid"]):
            changes.delete(membership)
    for setting in store.related("project_portfolio_setting", "portfolio", portfolio["gid"]):
        changes.delete(setting)
    custom_fields.remove_all_settings(changes, portfolio)
    status_updates.delete_for(changes, portfolio)
    goals.drop_supporting(changes, portfolio)
    custom_fields.drop_references(changes, portfolio)
    access_requests.drop_for(changes, portfolio)
    changes.delete(portfolio)


def _check_dates(start_on: str | None, due_on: str | None) -> None:
    if start_on and due_on and start_on > due_on:
        raise bad_request("start_on: Must be on or before due_on")


# -- items --------------------------------------------------------------------------------------------
def add_item(changes: Changes, portfolio: Record, body: Body) -> None:
    """Add a project or portfolio, last or at `insert_before`/`insert_after` (moved when already in)."""
    item = body.obj("item", ITEM_TYPES, required=True)
    assert item is not None
    if item["gid"] == portfolio["gid"] or _holds(changes, item, portfolio):
        raise bad_request(f"item: A portfolio cannot hold itself: {item['gid']}")
    if (item.get("workspace") or {}).get("gid") != portfolio["workspace"]["gid"]:
        raise bad_request(f"item: Not a recognized ID: {item['gid']}")
    anchor = body.anchor()
    items = list(portfolio.get("_items") or ())
    present = any(i["gid"] == item["gid"] for i in items)
    if present and anchor is None:
        return
    ordered = placed(items, ref(item), anchor)
    if ordered is None:
        assert anchor is not None
        raise bad_request(f"insert_{anchor[0]}: Not an item of this portfolio: {anchor[1]}")
    changes.update(portfolio, {"_items": ordered}, touch=False)
    if present:
        return
    changes.added(item, portfolio)
    if item["resource_type"] == "project":
        changes.insert(
            {
                "gid": changes.store.new_gid(),
                "resource_type": "project_portfolio_setting",
                "project": ref(item),
                "portfolio": ref(portfolio),
                "is_access_control_inherited": False,
                "created_at": changes.now,
            },
            parent=portfolio,
        )


def remove_item(changes: Changes, portfolio: Record, body: Body) -> None:
    item = body.obj("item", ITEM_TYPES, required=True)
    assert item is not None
    _drop_item(changes, portfolio, item)


def _drop_item(changes: Changes, portfolio: Record, item: Record) -> None:
    items = portfolio.get("_items") or []
    if all(i["gid"] != item["gid"] for i in items):
        return
    changes.update(portfolio, {"_items": [i for i in items if i["gid"] != item["gid"]]}, touch=False)
    changes.removed(item, portfolio)
    for setting in changes.store.related("project_portfolio_setting", "portfolio", portfolio["gid"]):
        if setting["project"]["gid"] == item["gid"]:
            changes.delete(setting)


def _holds(changes: Changes, holder: Record, target: Record, depth: int = 0) -> bool:
    """Whether portfolio `holder` holds `target`, directly or through portfolios it holds."""
    if holder["resource_type"] != "portfolio" or depth > 20:
        return False
    for entry in holder.get("_items") or ():
        if entry["gid"] == target["gid"]:
            return True
        inner = changes.store.get(entry["gid"], "portfolio")
        if inner is not None and _holds(changes, inner, target, depth + 1):
            return True
    return False


# -- members ------------------------------------------------------------------------------------------
def add_members(changes: Changes, portfolio: Record, body: Body) -> Record:
    """New members join at the portfolio's default access level."""
    users = body.objs("members", "user", required=True) or []
    new = [u for u in users if all(m["gid"] != u["gid"] for m in portfolio.get("members") or ())]
    if not new:
        return portfolio
    changes.update(portfolio, {"members": [*(portfolio.get("members") or ()), *(ref(u) for u in new)]})
    for user in new:
        _memberships(changes, portfolio, user, portfolio.get("default_access_level") or "editor")
    return portfolio


def remove_members(changes: Changes, portfolio: Record, body: Body) -> Record:
    gone = {u["gid"] for u in body.objs("members", "user", required=True) or []}
    kept = [m for m in portfolio.get("members") or () if m["gid"] not in gone]
    if len(kept) == len(portfolio.get("members") or ()):
        return portfolio
    changes.update(portfolio, {"members": kept})
    for kind in ("portfolio_membership", "membership"):
        for membership in changes.store.related(kind, "parent", portfolio["gid"]):
            if membership["member"]["gid"] in gone:
                changes.delete(membership)
    return portfolio


def _memberships(changes: Changes, portfolio: Record, user: Record, level: str) -> None:
    """A member's portfolio membership and generic membership, the two records that list them."""
    base = {"parent": ref(portfolio), "member": ref(user), "access_level": level}
    changes.insert(
        {"gid": changes.store.new_gid(), "resource_type": "portfolio_membership", **base}, parent=portfolio
    )
    changes.insert(
        {
            "gid": changes.store.new_gid(),
            "resource_type": "membership",
            "resource_subtype": "portfolio_membership",
            **base,
            "role": level,
            "goal": None,
            "user": ref(user),
            "workspace": dict(portfolio["workspace"]),
        },
        parent=portfolio,
    )
