"""RBAC roles: the standard roles of every workspace and an Enterprise organization's custom roles."""

from __future__ import annotations

from .builder import DAY_MS, SPAN_MS, Builder, Record, iso, ref
from .workspaces import Space

ROLE_BASES = ("guest", "member", "admin", "super_admin")

# Custom roles of an Enterprise organization: name, base role, description, permission overrides, archived.
CUSTOM_ROLES: tuple[tuple[str, str, str, dict[str, object], bool], ...] = (
    (
        "Project Lead",
        "member",
        "Members who run projects end to end and share portfolios with the whole organization.",
        {
            "share_portfolios_with_org": True,
            "create_global_custom_fields": True,
            "task_deletion_policy": "all",
        },
        False,
    ),
    (
        "IT Administrator",
        "admin",
        "Admins who manage apps, tokens and imports but do not create goals or projects.",
        {"create_goal": False, "create_project": False, "create_portfolio": False},
        False,
    ),
    (
        "Contractor",
        "guest",
        "External contractors: they work on the tasks shared with them and upload deliverables.",
        {"upload_attachments": True, "create_read_only_link": False},
        False,
    ),
    (
        "Read-only Auditor",
        "member",
        "Retired role of the 2025 compliance review: sees shared work, changes nothing.",
        {
            "create_project": False,
            "create_portfolio": False,
            "create_team": False,
            "create_goal": False,
            "upload_attachments": False,
            "task_deletion_policy": "none",
        },
        True,
    ),
)


def roles(b: Builder, space: Space) -> None:
    """The standard roles of every workspace (guests only in organizations, super admins only in Enterprise
    ones), and an Enterprise organization's custom roles, one of them archived."""
    enterprise = space.workspace["_tier"] == "enterprise"
    bases = [
        base
        for base in ROLE_BASES
        if (base != "guest" or space.is_org) and (base != "super_admin" or enterprise)
    ]
    for base in bases:
        label = base.replace("_", " ").capitalize()
        created = b.when(0, DAY_MS)
        _role(b, space, label, base, f"The standard {label.lower()} role.", True, created, {}, False)
    if not enterprise:
        return
    for name, base, description, overrides, archived in CUSTOM_ROLES:
        created = b.when(30 * DAY_MS, SPAN_MS // 2)
        _role(b, space, name, base, description, False, created, overrides, archived)


def _role(
    b: Builder,
    space: Space,
    name: str,
    base: str,
    description: str,
    standard: bool,
    created: int,
    overrides: dict[str, object],
    archived: bool,
) -> None:
    b.add(
        {
            "gid": b.gid(),
            "resource_type": "role",
            "name": name,
            "description": description,
            "is_standard_role": standard,
            "creation_time": iso(created),
            "modified_at": iso(b.later(created, 120)),
            "base_role_type": base,
            "permissions": {**_permissions(base), **overrides},
            "workspace": ref(space.workspace),
            "_archived": archived,
        }
    )


def _permissions(base: str) -> Record:
    """What each standard role may do (the RBAC permissions of RbacRoleBase)."""
    admin = base in ("admin", "super_admin")
    member = base != "guest"
    return {
        "create_app_authorization": member,
        "create_pat_authorization": member,
        "share_goal_with_domain": admin,
        "share_portfolios_with_org": admin,
        "assign_roles": admin,
        "manage_roles": base == "super_admin",
        "export_project_data": member,
        "task_deletion_policy": "all" if admin else "owned" if member else "none",
        "download_mobile_attachments": True,
        "import_data": admin,
        "create_global_custom_fields": admin,
        "upload_attachments": True,
        "create_team": member,
        "allowed_guest_invites": "all" if member else "none",
        "create_and_edit_ai_automations": member,
        "proactive_ai": member,
        "standard_ai": True,
        "create_and_edit_ai_teammates": admin,
        "share_teams_with_org": admin,
        "create_goal": member,
        "create_project": member,
        "create_read_only_link": member,
        "create_portfolio": member,
        "view_public_teams": member,
        "view_shared_with_org_projects": member,
        "view_shared_with_org_tasks": member,
        "view_shared_with_org_portfolios": member,
    }
