"""Workspaces, users, teams and the memberships that tie them together."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import words
from .builder import Builder, Record, html, iso, photo, ref


@dataclass
class Space:
    """One workspace and what has been generated inside it so far; later stages append to it."""

    workspace: Record
    users: list[Record] = field(default_factory=list)
    teams: list[Record] = field(default_factory=list)
    task_lists: dict[str, Record] = field(default_factory=dict)  # user gid -> user_task_list
    projects: list[Record] = field(default_factory=list)
    sections: dict[str, list[Record]] = field(default_factory=dict)  # project gid -> sections
    custom_fields: list[Record] = field(default_factory=list)
    tags: list[Record] = field(default_factory=list)
    tasks: list[Record] = field(default_factory=list)
    portfolios: list[Record] = field(default_factory=list)
    goals: list[Record] = field(default_factory=list)
    time_periods: list[Record] = field(default_factory=list)

    @property
    def is_org(self) -> bool:
        return bool(self.workspace["is_organization"])


def workspace(b: Builder, name: str, domain: str | None, tier: str) -> Space:
    record = b.add(
        {
            "gid": b.gid(),
            "resource_type": "workspace",
            "name": name,
            "email_domains": [domain] if domain else [],
            "is_organization": domain is not None,
            "_tier": tier,
        }
    )
    return Space(record)


def users(b: Builder, count: int, domain: str) -> list[Record]:
    """`count` users with unique names; emails on `domain`."""
    out: list[Record] = []
    seen: set[str] = set()
    while len(out) < count:
        first, last = b.pick(words.FIRST_NAMES), b.pick(words.LAST_NAMES)
        name = f"{first} {last}"
        if name in seen:
            name = f"{first} {last} {len(out)}"  # keeps names unique once the lists run out
        seen.add(name)
        gid = b.gid()
        picture = photo(b, "profile_photos", gid, 0.7)
        out.append(
            b.add(
                {
                    "gid": gid,
                    "resource_type": "user",
                    "name": name,
                    "email": f"{first.lower()}.{last.lower()}{'' if len(out) < 60 else len(out)}@{domain}",
                    "photo": picture,
                    "workspaces": [],
                    "custom_fields": [],
                }
            )
        )
    return out


def join(b: Builder, space: Space, members: list[Record], admin_count: int = 1) -> None:
    """Make `members` members of the workspace: membership, user task list and the user's workspace list."""
    ws = space.workspace
    for i, user in enumerate(members):
        user["workspaces"].append(ref(ws))
        space.users.append(user)
        utl = b.add(
            {
                "gid": b.gid(),
                "resource_type": "user_task_list",
                "name": f"My Tasks in {ws['name']}",
                "owner": ref(user),
                "workspace": ref(ws),
            }
        )
        space.task_lists[user["gid"]] = utl
        guest = space.is_org and i == len(members) - 1 and len(members) > 3  # one guest per organization
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "workspace_membership",
                "user": ref(user),
                "workspace": ref(ws),
                "user_task_list": ref(utl),
                "is_active": True,
                "is_admin": i < admin_count,
                "is_guest": guest,
                "is_view_only": False,
                "vacation_dates": (
                    {"start_on": "2026-07-06", "end_on": "2026-07-17"} if b.chance(0.1) else None
                ),
                "created_at": iso(b.when(0, 86_400_000 * 30)),
            }
        )


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
