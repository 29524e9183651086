"""Teams of an organization and their members: create, update, add and remove users.

A member's place in a team is one `team_membership` record: `GET /team_memberships`, `/teams/{t}/users` and
`/users/{u}/teams` all read it, so adding or removing one changes the three lists at once. The Events API
reports team memberships `added` to and `removed` from their team (asana-api.md 3.5), not `deleted`.
"""

from __future__ import annotations

from asana_sandbox.errors import bad_request, forbidden
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref, rich_text

VISIBILITIES = ("secret", "request_to_join", "public")
_MEMBERS, _ADMINS = "all_team_members", "only_team_admins"
# Each access level setting of TeamRequest, its allowed values and the value a new team starts with (the
# demo dataset's teams carry the same defaults).
ACCESS_LEVELS: dict[str, tuple[tuple[str, ...], str]] = {
    "edit_team_name_or_description_access_level": ((_MEMBERS, _ADMINS), _MEMBERS),
    "edit_team_visibility_or_trash_team_access_level": ((_MEMBERS, _ADMINS), _ADMINS),
    "member_invite_management_access_level": ((_MEMBERS, _ADMINS), _MEMBERS),
    "guest_invite_management_access_level": ((_MEMBERS, _ADMINS), _ADMINS),
    "join_request_management_access_level": ((_MEMBERS, _ADMINS), _ADMINS),
    "team_member_removal_access_level": ((_MEMBERS, _ADMINS), _ADMINS),
    "team_content_management_access_level": (("no_restriction", _ADMINS), "no_restriction"),
}
# Asana's team creation dialog starts at "Membership by request".
DEFAULT_VISIBILITY = "request_to_join"
JOIN_REQUESTS = "join_request_management_access_level"


def create(changes: Changes, body: Body) -> Record:
    """A new team in an organization (plain workspaces have no teams); its creator joins it as admin."""
    organization = body.obj("organization", "workspace", required=True)
    assert organization is not None
    if not organization.get("is_organization"):
        raise bad_request(f"organization: Workspace {organization['gid']} is not an organization")
    name = body.text("name", required=True)
    gid = changes.store.new_gid()
    team: Record = {
        "gid": gid,
        "resource_type": "team",
        "name": name,
        "description": "",
        "html_description": "<body></body>",
        "organization": ref(organization),
        "permalink_url": f"https://app.asana.com/0/team/{gid}",
        "visibility": DEFAULT_VISIBILITY,
        **{field: default for field, (_, default) in ACCESS_LEVELS.items()},
        "endorsed": False,
        "custom_field_settings": [],
    }
    team.update(_settings(body, team))
    changes.insert(team, parent=organization)
    if changes.actor is not None and member_of_organization(changes, organization, changes.actor):
        add_member(changes, team, changes.actor, admin=True)
    return team


def update(changes: Changes, team: Record, body: Body) -> Record:
    """Name, descriptions, visibility, access levels and endorsement; the organization is set for good."""
    organization = body.obj("organization", "workspace")
    if organization is not None and organization["gid"] != team["organization"]["gid"]:
        raise bad_request("organization: Cannot write this property")
    updates = _settings(body, team)
    if body.has("name"):
        updates["name"] = body.text("name", required=True)
    changes.update(team, updates)
    return team


def _settings(body: Body, team: Record) -> Record:
    """The writable fields of TeamRequest other than name and organization, as the body gives them."""
    out: Record = {}
    if body.has("description") or body.has("html_description"):
        text, html = rich_text(body.text("description"), body.text("html_description"))
        out.update(description=text, html_description=html)
    if body.raw("visibility") is not None:
        out["visibility"] = body.choice("visibility", VISIBILITIES)
    for field, (allowed, _) in ACCESS_LEVELS.items():
        if body.raw(field) is not None:
            out[field] = body.choice(field, allowed)
    if body.raw("endorsed") is not None:
        out["endorsed"] = body.boolean("endorsed")
    # The spec: "This field can only be updated when the team's `visibility` field is `request_to_join`".
    if JOIN_REQUESTS in out and out.get("visibility", team.get("visibility")) != "request_to_join":
        raise bad_request(f"{JOIN_REQUESTS}: Can only be set on a team whose visibility is request_to_join")
    return out


# -- members ------------------------------------------------------------------------------------------------
def membership(changes: Changes, team: Record, user: Record) -> Record | None:
    """The user's `team_membership` of the team, if any."""
    for record in changes.store.related("team_membership", "team", team["gid"]):
        if record["user"]["gid"] == user["gid"]:
            return record
    return None


def member_of_organization(changes: Changes, organization: Record, user: Record) -> Record | None:
    """The user's active `workspace_membership` of the organization, if any."""
    for record in changes.store.related("workspace_membership", "user", user["gid"]):
        if record["workspace"]["gid"] == organization["gid"] and record.get("is_active"):
            return record
    return None


def add_member(changes: Changes, team: Record, user: Record, *, admin: bool = False) -> Record:
    """Make `user` a member of the team (once); a guest of the organization joins as a guest."""
    existing = membership(changes, team, user)
    if existing is not None:
        return existing
    organization = changes.store.get(team["organization"]["gid"], "workspace") or team["organization"]
    in_organization = member_of_organization(changes, organization, user)
    if in_organization is None:
        # The spec: "The user being added must exist in the same organization as the team."
        raise bad_request(f"user: User {user['gid']} is not a member of the team's organization")
    record: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "team_membership",
        "user": ref(user),
        "team": ref(team),
        "is_guest": bool(in_organization.get("is_guest")),
        "is_limited_access": False,
        "is_admin": admin,
    }
    return changes.insert(record, parent=team)


def remove_member(changes: Changes, team: Record, user: Record) -> None:
    """The user leaves the team (nothing happens if they were not in it)."""
    record = membership(changes, team, user)
    if record is None:
        return
    changes.removed(record, team)
    # Reported `removed` from the team above, as Asana does, rather than `deleted`: drop it quietly.
    changes.store.delete(record["gid"])


def check_may_add(changes: Changes, team: Record, user: Record, *, service_account: bool) -> None:
    """The spec: "The user making this call must be a member of the team in order to add others."

    Anyone may join a public team themselves; organization admins and Service Accounts manage any team.
    """
    actor = changes.actor
    if service_account or actor is None or _organization_admin(changes, team, actor):
        return
    if membership(changes, team, actor) is not None:
        return
    if user["gid"] == actor["gid"] and team.get("visibility") == "public":
        return
    raise forbidden(f"Only members of team {team['gid']} can add users to it")


def check_may_remove(changes: Changes, team: Record, user: Record, *, service_account: bool) -> None:
    """Members may leave; removing someone else takes a team admin when the team says so."""
    actor = changes.actor
    if service_account or actor is None or _organization_admin(changes, team, actor):
        return
    own = membership(changes, team, actor)
    if own is None:
        raise forbidden(f"Only members of team {team['gid']} can remove users from it")
    removing_other = user["gid"] != actor["gid"]
    if removing_other and team.get("team_member_removal_access_level") == _ADMINS and not own.get("is_admin"):
        raise forbidden(f"Only admins of team {team['gid']} can remove its members")


def _organization_admin(changes: Changes, team: Record, actor: Record) -> bool:
    organization = changes.store.get(team["organization"]["gid"], "workspace")
    record = member_of_organization(changes, organization, actor) if organization else None
    return bool(record and record.get("is_admin"))
