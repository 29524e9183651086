"""Workspaces and who is in them: users, workspace memberships with My Tasks lists, AI teammates (agents)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import words
from .builder import DAY_MS, SPAN_MS, Builder, Record, day, iso, photo, ref


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


AGENTS = (
    (
        "Sprint Triage Assistant",
        "Sorts incoming requests into the right section and flags what is urgent.",
        "Ask the project owner before reassigning a task that already has an assignee.",
    ),
    (
        "Status Report Writer",
        "Drafts the weekly status update of a project from its recent activity.",
        "Keep each update under 200 words and link every task it mentions.",
    ),
    (
        "Launch Checklist Helper",
        "Checks that every launch task has an owner and a due date, and reminds the owners.",
        None,
    ),
    (
        "Bug Triage Teammate",
        "Reads new bug reports, asks for missing steps to reproduce and sets the severity field.",
        "Never close a bug; move it to Needs info when details are missing.",
    ),
    (
        "Meeting Notes Summarizer",
        "Turns meeting notes attached to a task into action items with assignees.",
        "Only create action items for people who attended the meeting.",
    ),
    (
        "Intake Coordinator",
        "Answers form submissions, routes them to the right team and sets expectations on timing.",
        "Be friendly and brief; quote the request's due date back to the requester.",
    ),
    ("Developer Blog Writer", "Writes first drafts of engineering blog posts from project briefs.", None),
)


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
                    # an upcoming vacation: from 6 to 17 days after the window's last day
                    {"start_on": day(SPAN_MS + 6 * DAY_MS), "end_on": day(SPAN_MS + 17 * DAY_MS)}
                    if b.chance(0.1)
                    else None
                ),
                "created_at": iso(b.when(0, 86_400_000 * 30)),
            }
        )


def agents_of(b: Builder, space: Space, count: int) -> None:
    """AI teammates configured in a paid workspace."""
    for name, description, guidance in b.sample(AGENTS, count):
        gid = b.gid()
        picture = photo(b, "agent_photos", gid, 0.6)
        b.add(
            {
                "gid": gid,
                "resource_type": "agent",
                "resource_subtype": "asana_teammate",
                "name": name,
                "description": description,
                "behavior_guidance": guidance,
                "workspace": ref(space.workspace),
                "photo": picture,
            }
        )
