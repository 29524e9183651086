"""RBAC roles: custom roles are created, edited and deleted; the standard roles of a workspace are fixed.

A custom role starts from the permissions of the standard role it is based on, with the request's
permissions over them.
"""

from __future__ import annotations

from asana_sandbox.errors import bad_request, forbidden
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref
from asana_sandbox.models.resourcing import nested

BASE_ROLE_TYPES = ("guest", "member", "admin", "super_admin")
# Permissions that take one of a few words; every other permission is a boolean.
PERMISSION_CHOICES = {
    "task_deletion_policy": ("all", "owned", "none"),
    "allowed_guest_invites": ("all", "none"),
}


def create(changes: Changes, body: Body, workspace: Record) -> Record:
    """A custom role of the workspace, based on one of its standard roles."""
    _custom_only(body)
    body.require("name")
    name = body.text("name", required=True)
    description = body.text("description", required=True)
    base = _base(changes, body, workspace["gid"], required=True)
    assert base is not None
    role: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "role",
        "name": name,
        "description": description,
        "is_standard_role": False,
        "creation_time": changes.now,
        "modified_at": changes.now,
        "base_role_type": base["base_role_type"],
        "permissions": _permissions(body, base["permissions"]),
        "workspace": ref(workspace),
        "_archived": False,
    }
    return changes.insert(role, parent=workspace)


def update(changes: Changes, role: Record, body: Body) -> Record:
    """Name, description, base role and permissions of a custom role; `modified_at` moves."""
    _fixed(role, "modified")
    body.forbid("workspace")
    _custom_only(body)
    updates: Record = {}
    if body.has("name"):
        body.require("name")
        updates["name"] = body.text("name", required=True)
    if body.has("description"):
        updates["description"] = body.text("description", required=True)
    if body.has("base_role_type"):
        base = _base(changes, body, role["workspace"]["gid"], required=True)
        assert base is not None
        updates["base_role_type"] = base["base_role_type"]
    if body.has("permissions"):
        updates["permissions"] = _permissions(body, role["permissions"])
    changes.update(role, updates)
    return role


def delete(changes: Changes, role: Record) -> None:
    _fixed(role, "deleted")
    changes.delete(role)


def _fixed(role: Record, what: str) -> None:
    if role.get("is_standard_role"):
        raise forbidden(f"{role['name']} is a standard role: standard roles cannot be {what}")


def _custom_only(body: Body) -> None:
    if body.boolean("is_standard_role"):
        raise bad_request("is_standard_role: Cannot write this property")


def _base(changes: Changes, body: Body, workspace_gid: str, *, required: bool) -> Record | None:
    """The workspace's standard role of the requested `base_role_type` (super admins: Enterprise only)."""
    kind = body.choice("base_role_type", BASE_ROLE_TYPES, required=required)
    if kind is None:
        return None
    for role in changes.store.related("role", "workspace", workspace_gid):
        if role.get("is_standard_role") and role.get("base_role_type") == kind:
            return role
    raise bad_request(f"base_role_type: Not a role of this workspace: {kind}")


def _permissions(body: Body, current: Record) -> Record:
    """`current` with the request's `permissions` over it; each must be a known permission of its type."""
    part = nested(body, "permissions")
    out = dict(current)
    if part is None:
        return out
    for key in part.data:
        name = key.split(".", 1)[1]
        if name not in current:
            raise bad_request(f"{key}: Not a known permission")
        if name in PERMISSION_CHOICES:
            out[name] = part.choice(key, PERMISSION_CHOICES[name], required=True)
        else:
            out[name] = part.boolean(key, required=True)
    return out
