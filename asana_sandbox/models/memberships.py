"""Memberships: who belongs to a project, goal, portfolio, custom field or custom type, and with what access.

A membership is one `membership` record (what `/memberships` lists). Projects and portfolios also list theirs
through a typed twin (`project_membership`, `portfolio_membership`: the same membership in Asana, a second
record here) and keep their user members in a `members` field; every write keeps the three in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref
from asana_sandbox.store import Store


@dataclass(frozen=True)
class Kind:
    """What a membership of one parent type is like."""

    subtype: str
    levels: tuple[str, ...]  # the access levels the spec allows on a write
    twin: str | None = None  # the typed record the parent's own listing shows
    tier: str | None = None  # the tier the parent's reads need


# Access levels as createMembership's description lists them (custom types: their response enum).
KINDS: dict[str, Kind] = {
    "project": Kind("project_membership", ("admin", "editor", "commenter"), "project_membership"),
    "goal": Kind("goal_membership", ("viewer", "commenter", "editor", "admin"), tier="premium"),
    "portfolio": Kind("portfolio_membership", ("admin", "editor", "viewer"), "portfolio_membership"),
    "custom_field": Kind("custom_field_membership", ("admin", "editor", "user")),
    "custom_type": Kind("custom_type_membership", ("admin", "editor", "user", "viewer")),
}
MEMBERSHIP_TYPES = ("membership", "project_membership", "portfolio_membership")
# Goals' deprecated `role` only knows these two; other parents mirror the access level in it.
_GOAL_ROLES = ("commenter", "editor")


def find(store: Store, parent: Record, member: Record) -> Record | None:
    """The `membership` of `member` in `parent`, if any."""
    for membership in store.related("membership", "parent", parent["gid"]):
        if membership.get("member", {}).get("gid") == member["gid"]:
            return membership
    return None


def _twin(store: Store, membership: Record) -> Record | None:
    kind = KINDS.get(membership.get("parent", {}).get("resource_type", ""))
    if kind is None or kind.twin is None:
        return None
    member_gid = membership.get("member", {}).get("gid")
    for twin in store.related(kind.twin, "parent", membership["parent"]["gid"]):
        if twin.get("member", {}).get("gid") == member_gid:
            return twin
    return None


def primary(store: Store, record: Record) -> Record:
    """The `membership` a `project_membership` or `portfolio_membership` stands for (itself if none)."""
    if record["resource_type"] == "membership":
        return record
    parent = store.get(record.get("parent", {}).get("gid", ""))
    member = store.get(record.get("member", {}).get("gid", ""))
    return (find(store, parent, member) if parent and member else None) or record


def default_level(parent: Record) -> str:
    """Goals default to commenter, projects to their default access level (createMembership's `role`)."""
    kind = KINDS[parent["resource_type"]]
    if parent["resource_type"] == "goal":
        return "commenter"
    level = parent.get("default_access_level")
    return level if level in kind.levels else "editor"


def read_level(body: Body, parent: Record, *, required: bool = False) -> str | None:
    """`access_level` (or the deprecated `role`) as the parent's type allows it."""
    levels = KINDS[parent["resource_type"]].levels
    name = "role" if not body.has("access_level") and body.has("role") else "access_level"
    return body.choice(name, levels, required=required)


def _workspace_ref(store: Store, parent: Record) -> Record | None:
    if isinstance(parent.get("workspace"), dict):
        return dict(parent["workspace"])
    workspace = store.get(parent.get("_workspace") or "", "workspace")
    return ref(workspace) if workspace else None


def _role(parent: Record, level: str) -> str:
    if parent["resource_type"] == "goal":
        return level if level in _GOAL_ROLES else "editor"
    return level


def _write_access(level: str) -> str:
    return "full_write" if level in ("admin", "editor") else "comment_only"


def add(changes: Changes, parent: Record, member: Record, level: str | None = None) -> Record:
    """Make `member` (a user or a team) a member of `parent`; an existing membership only changes level."""
    existing = find(changes.store, parent, member)
    if existing is not None:
        if level:
            set_level(changes, existing, level)
        return existing
    level = level or default_level(parent)
    kind = KINDS[parent["resource_type"]]
    is_user = member["resource_type"] == "user"
    membership: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "membership",
        "resource_subtype": kind.subtype,
        "member": ref(member),
        "parent": ref(parent),
        "role": _role(parent, level),
        "access_level": level,
        "goal": ref(parent) if parent["resource_type"] == "goal" else None,
        "user": ref(member) if is_user else None,
        "workspace": _workspace_ref(changes.store, parent),
    }
    changes.insert(membership, parent=parent)
    if kind.twin is not None:
        twin: Record = {
            "gid": changes.store.new_gid(),
            "resource_type": kind.twin,
            "parent": ref(parent),
            "member": ref(member),
            "access_level": level,
        }
        if kind.twin == "project_membership":
            twin.update(
                user=ref(member) if is_user else None, project=ref(parent), write_access=_write_access(level)
            )
        changes.insert(twin, parent=parent)
    if is_user and "members" in parent and all(m["gid"] != member["gid"] for m in parent["members"]):
        changes.update(parent, {"members": [*parent["members"], ref(member)]}, touch=False)
    return membership


def set_level(changes: Changes, membership: Record, level: str) -> None:
    parent = changes.store.get(membership["parent"]["gid"]) or membership["parent"]
    changes.update(membership, {"access_level": level, "role": _role(parent, level)})
    twin = _twin(changes.store, membership)
    if twin is not None:
        updates: Record = {"access_level": level}
        if "write_access" in twin:
            updates["write_access"] = _write_access(level)
        changes.update(twin, updates)


def remove(changes: Changes, membership: Record) -> None:
    """End a membership: both records go, and a user leaves the parent's members (and followers)."""
    parent = changes.store.get(membership.get("parent", {}).get("gid", ""))
    twin = _twin(changes.store, membership)
    if twin is not None:
        changes.delete(twin)
    changes.delete(membership)
    member_gid = membership.get("member", {}).get("gid")
    if parent is None or membership.get("member", {}).get("resource_type") != "user":
        return
    # Followers are a subset of members: whoever stops being a member stops following too.
    updates = {
        field: [u for u in parent[field] if u["gid"] != member_gid]
        for field in ("members", "followers")
        if parent.get("resource_type") in ("project", "portfolio") and isinstance(parent.get(field), list)
    }
    changes.update(parent, updates, touch=False)


def remove_member(changes: Changes, parent: Record, member: Record) -> None:
    membership = find(changes.store, parent, member)
    if membership is not None:
        remove(changes, membership)


def remove_all(changes: Changes, parent: Record) -> None:
    """Every membership of a parent that is being deleted (no member list left to update)."""
    kind = KINDS.get(parent["resource_type"])
    for membership in list(changes.store.related("membership", "parent", parent["gid"])):
        changes.delete(membership)
    if kind is not None and kind.twin is not None:
        for twin in list(changes.store.related(kind.twin, "parent", parent["gid"])):
            changes.delete(twin)


# -- the /memberships operations ----------------------------------------------------------------------
def read_parent(body: Body) -> Record:
    parent = body.obj("parent", tuple(KINDS), required=True)
    assert parent is not None
    return parent


def create(changes: Changes, body: Body, parent: Record) -> Record:
    """`POST /memberships`: `member` (user or team) joins `parent` at `access_level` (or its default)."""
    member = body.obj("member", ("user", "team"), required=True)
    assert member is not None
    return add(changes, parent, member, read_level(body, parent))


def update(changes: Changes, membership: Record, body: Body) -> Record:
    """`PUT /memberships/{gid}`: only the access level changes."""
    body.forbid("parent", "member")
    membership = primary(changes.store, membership)
    parent = changes.store.get(membership["parent"]["gid"]) or membership["parent"]
    level = read_level(body, parent)
    if level is not None:
        set_level(changes, membership, level)
    return membership


def delete(changes: Changes, membership: Record) -> None:
    remove(changes, primary(changes.store, membership))
