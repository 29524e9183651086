"""Goals with their metrics, memberships and relationships, and the time periods they are set for."""

from __future__ import annotations

from . import builder, words
from .builder import Builder, Record, html, ref
from .workspaces import Space

_QUARTERS = (
    ("Q1", "01-01", "03-31"),
    ("Q2", "04-01", "06-30"),
    ("Q3", "07-01", "09-30"),
    ("Q4", "10-01", "12-31"),
)


def time_periods(b: Builder, space: Space) -> None:
    """FY → H1/H2 → Q1..Q4 for the window's last year and the one before, each linked to its parent period."""
    this_year = builder.END.year
    for year in (this_year - 1, this_year):
        fy = _period(b, space, "FY", f"{year}-01-01", f"{year}-12-31", f"FY{year % 100}", None)
        halves = [
            _period(b, space, "H1", f"{year}-01-01", f"{year}-06-30", f"H1 FY{year % 100}", fy),
            _period(b, space, "H2", f"{year}-07-01", f"{year}-12-31", f"H2 FY{year % 100}", fy),
        ]
        for k, (name, start, end) in enumerate(_QUARTERS):
            half = halves[k // 2]
            _period(b, space, name, f"{year}-{start}", f"{year}-{end}", f"{name} FY{year % 100}", half)


def _period(
    b: Builder, space: Space, period: str, start: str, end: str, label: str, parent: Record | None
) -> Record:
    record = b.add(
        {
            "gid": b.gid(),
            "resource_type": "time_period",
            "end_on": end,
            "start_on": start,
            "period": period,
            "display_name": label,
            "parent": _period_ref(parent) if parent else None,
            "_workspace": space.workspace["gid"],
        }
    )
    space.time_periods.append(record)
    return record


def _period_ref(period: Record) -> Record:
    keys = ("gid", "resource_type", "display_name", "end_on", "start_on", "period")
    return {k: period[k] for k in keys}


def goals(b: Builder, space: Space, count: int) -> None:
    """Goals with metrics, owners, followers and memberships; later ones support earlier ones."""
    ws = space.workspace
    for k, name in enumerate(b.sample(words.GOALS, count)):
        period = b.pick(space.time_periods)
        owner = b.pick(space.users)
        target = b.pick((100, 50, 20, 95))
        current = round(target * b.rng.random(), 1)
        goal_gid = b.gid()
        team = b.pick(space.teams) if space.teams and k % 2 else None
        goal = b.add(
            {
                "gid": goal_gid,
                "resource_type": "goal",
                "name": name,
                "html_notes": html(f"Why we want to <em>{name.lower()}</em>."),
                "notes": f"Why we want to {name.lower()}.",
                "due_on": period["end_on"],
                "start_on": period["start_on"],
                "is_workspace_level": team is None,
                "liked": False,
                "likes": [],
                "num_likes": 0,
                "team": ref(team) if team else None,
                "workspace": ref(ws),
                "followers": [ref(u) for u in b.sample(space.users, 3)],
                "time_period": _period_ref(period),
                "metric": {
                    "gid": b.gid(),
                    "resource_type": "custom_field",
                    "resource_subtype": "number",
                    "precision": 1,
                    "unit": "percentage",
                    "currency_code": None,
                    "initial_number_value": 0,
                    "target_number_value": target,
                    "current_number_value": current,
                    "current_display_value": f"{current}",
                    "progress_source": "manual",
                    "is_custom_weight": False,
                    "can_manage": True,
                },
                "owner": ref(owner),
                "current_status_update": None,
                "status": b.pick(("green", "yellow", "red", None)),
                "privacy_setting": "public_to_workspace",
                "default_access_level": "editor",
                "custom_fields": [],
                "custom_field_settings": [],
            }
        )
        space.goals.append(goal)
        for j, user in enumerate([owner, *b.sample([u for u in space.users if u is not owner], 2)]):
            role = "owner" if j == 0 else b.pick(("editor", "commenter"))
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "membership",
                    "resource_subtype": "goal_membership",
                    "member": ref(user),
                    "parent": ref(goal),
                    "role": role,
                    "access_level": "editor" if role == "owner" else role,
                    "goal": ref(goal),
                    "user": ref(user),
                    "workspace": ref(ws),
                }
            )
    _goal_relationships(b, space)


def _goal_relationships(b: Builder, space: Space) -> None:
    """Each goal after the first supports an earlier one; every goal is backed by a project."""
    for k, goal in enumerate(space.goals):
        supporters: list[tuple[str, Record]] = []
        if k:
            supported = space.goals[b.rng.randrange(k)]
            supporters.append(("subgoal", supported))
        for subtype, target in supporters:
            _relationship(b, subtype, goal, target)
        _relationship(b, "supporting_work", b.pick(space.projects), goal)
        if space.portfolios and b.chance(0.4):
            _relationship(b, "supporting_work", b.pick(space.portfolios), goal)


def _relationship(b: Builder, subtype: str, supporting: Record, supported: Record) -> None:
    b.add(
        {
            "gid": b.gid(),
            "resource_type": "goal_relationship",
            "resource_subtype": subtype,
            "supporting_resource": ref(supporting),
            "contribution_weight": 1.0 if subtype == "subgoal" else 0.5,
            "supported_goal": {**ref(supported), "owner": dict(supported["owner"])},
        }
    )
