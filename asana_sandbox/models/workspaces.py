"""Workspaces, their members and users' own fields: rename, add and remove users, set users' custom fields.

A user's place in a workspace is three records kept in step: the `workspace_membership`, the workspace in
the user's `workspaces` (what `GET /workspaces/{w}/users` reads) and their `user_task_list` there.

Removing a user is Asana's deprovisioning (the spec's removeUser and the help article it links): the
tasks assigned to the user in the workspace are unassigned and gathered in a new private project, owned by
whoever inherits the user's work, who gets a task to review them; the user leaves the workspace's teams;
projects, portfolios and goals the user owns keep their owner ("Deactivation does not currently transfer
data ownership for projects, portfolios or dashboards"). With a Service Account token the heir is the
organization's designated admin (the sandbox has no admin console: its first admin), with any other token
the token's own user ("ownership of the user's resources is transferred to the PAT owner").
"""

from __future__ import annotations

import re

from asana_sandbox.errors import bad_request, forbidden
from asana_sandbox.inputs import Body
from asana_sandbox.models import custom_fields, memberships, sections, tasks, teams
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, blank_project, ref

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- the workspace ------------------------------------------------------------------------------------------
def update(changes: Changes, workspace: Record, body: Body) -> Record:
    """The spec: "Currently the only field that can be modified for a workspace is its name"."""
    body.forbid("email_domains", "is_organization")
    if body.has("name"):
        changes.update(workspace, {"name": body.text("name", required=True)})
    return workspace


def membership(changes: Changes, workspace: Record, user: Record) -> Record | None:
    """The user's `workspace_membership` of the workspace (active or not), if any."""
    for record in changes.store.related("workspace_membership", "user", user["gid"]):
        if record["workspace"]["gid"] == workspace["gid"]:
            return record
    return None


def is_member(user: Record, workspace: Record) -> bool:
    return any(w["gid"] == workspace["gid"] for w in user.get("workspaces") or ())


# -- adding a user ------------------------------------------------------------------------------------------
def read_user(changes: Changes, body: Body) -> Record:
    """addUser's `user`: "me", a gid, or an email; an email no user has invites a new user."""
    raw = body.raw("user")
    if isinstance(raw, str) and "@" in raw and not changes.store.related("user", "email", raw):
        if not _EMAIL.match(raw):
            raise bad_request(f"user: Not a valid email address: {raw}")
        return _invite(changes, raw)
    user = body.obj("user", "user", required=True)
    assert user is not None
    return user


def _invite(changes: Changes, email: str) -> Record:
    """A user for an email Asana does not know yet; named by the email until they sign up."""
    user: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "user",
        "name": email,
        "email": email,
        "photo": None,
        "workspaces": [],
        "custom_fields": [],
    }
    # Not an event of its own: the workspace membership that follows is what Asana reports.
    changes.store.insert(user)
    return user


def add_user(changes: Changes, workspace: Record, user: Record) -> Record:
    """Make `user` a member (once): membership, task list and the user's workspace list.

    In an organization, a user whose email is outside its domains joins as a guest, as in Asana.
    """
    existing = membership(changes, workspace, user)
    if existing is not None and existing.get("is_active") and is_member(user, workspace):
        return user
    task_list = _task_list(changes, workspace, user)
    if existing is None:
        record: Record = {
            "gid": changes.store.new_gid(),
            "resource_type": "workspace_membership",
            "user": ref(user),
            "workspace": ref(workspace),
            "user_task_list": ref(task_list),
            "is_active": True,
            "is_admin": False,
            "is_guest": _guest(workspace, user),
            "is_view_only": False,
            "vacation_dates": None,
            "created_at": changes.now,
        }
        changes.insert(record, parent=workspace)
    else:
        changes.update(existing, {"is_active": True, "user_task_list": ref(task_list)})
        changes.added(existing, workspace)
    if not is_member(user, workspace):
        changes.update(user, {"workspaces": [*(user.get("workspaces") or ()), ref(workspace)]})
    return user


def _guest(workspace: Record, user: Record) -> bool:
    if not workspace.get("is_organization"):
        return False
    domain = (user.get("email") or "").rpartition("@")[2].lower()
    return domain not in {d.lower() for d in workspace.get("email_domains") or ()}


def _task_list(changes: Changes, workspace: Record, user: Record) -> Record:
    for existing in changes.store.related("user_task_list", "owner", user["gid"]):
        if existing["workspace"]["gid"] == workspace["gid"]:
            return existing
    task_list: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "user_task_list",
        "name": f"My Tasks in {workspace['name']}",
        "owner": ref(user),
        "workspace": ref(workspace),
    }
    # A user's task list comes with the membership; the Events API has no event for it.
    changes.store.insert(task_list)
    return task_list


# -- removing a user ----------------------------------------------------------------------------------------
def check_may_remove(changes: Changes, workspace: Record, *, service_account: bool) -> None:
    """The spec: "The user making this call must be an admin in the workspace"."""
    if service_account or changes.actor is None:
        return
    own = membership(changes, workspace, changes.actor)
    if own is None or not own.get("is_active") or not own.get("is_admin"):
        raise forbidden(f"Only an admin of workspace {workspace['gid']} can remove its users")


def heir(changes: Changes, workspace: Record, user: Record, *, service_account: bool) -> Record | None:
    """Who inherits the removed user's work: the token's user, or with a Service Account the
    organization's designated admin (here its first active admin other than the user)."""
    if not service_account and changes.actor is not None and changes.actor["gid"] != user["gid"]:
        return changes.actor
    for record in changes.store.related("workspace_membership", "workspace", workspace["gid"]):
        if record.get("is_admin") and record.get("is_active") and record["user"]["gid"] != user["gid"]:
            admin = changes.store.get(record["user"]["gid"], "user")
            if admin is not None:
                return admin
    return changes.actor if changes.actor is not None and changes.actor["gid"] != user["gid"] else None


def remove_user(changes: Changes, workspace: Record, user: Record, inheritor: Record | None) -> None:
    """Deprovision `user` from the workspace (nothing happens if they are not a member)."""
    record = membership(changes, workspace, user)
    if record is None or not record.get("is_active"):
        return
    assigned = [
        t
        for t in changes.store.related("task", "assignee", user["gid"])
        if t["workspace"]["gid"] == workspace["gid"]
    ]
    if assigned and inheritor is not None:
        _hand_over(changes, workspace, user, inheritor, assigned)
    for team_membership in list(changes.store.related("team_membership", "user", user["gid"])):
        team = changes.store.get(team_membership["team"]["gid"], "team")
        if team is not None and team["organization"]["gid"] == workspace["gid"]:
            teams.remove_member(changes, team, user)
    for task_list in list(changes.store.related("user_task_list", "owner", user["gid"])):
        if task_list["workspace"]["gid"] == workspace["gid"]:
            # Private to the user ("visible only to that user"): it goes with them.
            changes.store.delete(task_list["gid"])
    # The membership stays, inactive: WorkspaceMembership.is_active "reflects if this user still is a member".
    changes.update(record, {"is_active": False})
    changes.removed(record, workspace)
    kept = [w for w in user.get("workspaces") or () if w["gid"] != workspace["gid"]]
    changes.update(user, {"workspaces": kept})


def _hand_over(
    changes: Changes, workspace: Record, user: Record, inheritor: Record, assigned: list[Record]
) -> None:
    """The private project of a deprovisioned user's tasks, owned by `inheritor`, with a review task."""
    team = _first_team(changes, workspace, inheritor)
    name = f"Tasks previously assigned to {user['name']}"
    project = blank_project(changes.store.new_gid(), workspace, team, changes.now, inheritor, name)
    project.update(public=False, privacy_setting="private")
    changes.insert(project, parent=team or workspace)
    memberships.add(changes, project, inheritor, "admin")
    section = sections.new(changes, project, sections.DEFAULT_NAME)
    for task in assigned:
        if len(task["projects"]) < tasks.MAX_PROJECTS:
            tasks.add_project(changes, task, project, section)
        tasks.apply_fields(changes, task, {"assignee": None})
    tasks.create_task(
        changes,
        workspace,
        name=f"Review the tasks previously assigned to {user['name']}",
        homes=[(project, section)],
        assignee=inheritor,
    )


def _first_team(changes: Changes, workspace: Record, user: Record) -> Record | None:
    """Where an organization's new project lives: a team of the user's (plain workspaces have none)."""
    if not workspace.get("is_organization"):
        return None
    for team_membership in changes.store.related("team_membership", "user", user["gid"]):
        team = changes.store.get(team_membership["team"]["gid"], "team")
        if team is not None and team["organization"]["gid"] == workspace["gid"]:
            return team
    return None


# -- a user's own fields ------------------------------------------------------------------------------------
def update_user(changes: Changes, user: Record, body: Body, workspace: Record | None) -> Record:
    """`name` (only by the user themself, as the spec says) and `custom_fields` values.

    Custom field values are those of `workspace`'s fields (the path's or the `workspace` parameter's, else
    the user's only workspace).
    """
    body.forbid("email", "photo", "workspaces")
    updates: Record = {}
    if body.has("name"):
        if changes.actor is None or changes.actor["gid"] != user["gid"]:
            # "Read-only except when same user as requester."
            raise bad_request("name: Cannot write this property")
        updates["name"] = body.text("name", required=True)
    if body.has("custom_fields"):
        spaces: list[Record] = user.get("workspaces") or []
        if workspace is None and len(spaces) != 1:
            raise bad_request("workspace: Missing input")
        workspace_gid = workspace["gid"] if workspace is not None else spaces[0]["gid"]
        updates["custom_fields"] = custom_fields.values_from(body, user, workspace_gid)
    changes.update(user, updates)
    return user
