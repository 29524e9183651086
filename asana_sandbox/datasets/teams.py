"""Teams of an organization, each with its team memberships."""

from __future__ import annotations

from . import words
from .builder import Builder, html, ref
from .workspaces import Space


def teams(b: Builder, space: Space, count: int) -> None:
    """Teams of an organization, each with a handful of members (plain workspaces have none)."""
    ws = space.workspace
    names = b.sample(words.TEAMS, count)
    for name in names:
        team = b.add(
            {
                "gid": b.gid(),
                "resource_type": "team",
                "name": name,
                "description": f"Everything the {name} team is working on.",
                "html_description": html(f"Everything the <strong>{name}</strong> team is working on."),
                "organization": ref(ws),
                "permalink_url": "",
                "visibility": b.pick(("public", "public", "request_to_join", "secret")),
                "edit_team_name_or_description_access_level": "all_team_members",
                "edit_team_visibility_or_trash_team_access_level": "only_team_admins",
                "member_invite_management_access_level": "all_team_members",
                "guest_invite_management_access_level": "only_team_admins",
                "join_request_management_access_level": "only_team_admins",
                "team_member_removal_access_level": "only_team_admins",
                "team_content_management_access_level": "no_restriction",
                "endorsed": b.chance(0.3),
                "custom_field_settings": [],
            }
        )
        team["permalink_url"] = f"https://app.asana.com/0/team/{team['gid']}"
        space.teams.append(team)
        size = max(2, min(len(space.users), b.rng.randint(3, 8) + len(space.users) // (count * 2)))
        for j, user in enumerate(b.sample(space.users, size)):
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "team_membership",
                    "user": ref(user),
                    "team": ref(team),
                    "is_guest": False,
                    "is_limited_access": False,
                    "is_admin": j == 0,
                }
            )
