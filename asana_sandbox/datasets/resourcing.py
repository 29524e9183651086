"""Resource management and workspace administration: roles, AI teammates (agents), out-of-office entries,
time tracking categories and timesheets, how projects sit in portfolios, billing rates and budgets.

Generated after every other stage of the dataset, so that none of the records and gids generated before
changes. Two earlier record types are completed here, as Asana links them: time tracking entries get their
categories, and each entry takes the approval status of the weekly timesheet it belongs to.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from .builder import DAY_MS, SPAN_MS, Builder, Record, day, iso, ms_of, photo, ref
from .people import Space

CURRENCY = "USD"  # a domain's currency, set at the domain level
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
CATEGORIES = (
    ("Development", "blue"),
    ("Design", "purple"),
    ("Meetings", "yellow"),
    ("Research", "aqua"),
    ("Client support", "orange"),
    ("Training", "green"),
    ("Travel", "cool-gray"),
)
ARCHIVED_CATEGORY = ("Legacy billing", "red")  # archived at the start of 2026: only older entries carry it
PLACEHOLDERS = (
    "Contract Designer",
    "Freelance Copywriter",
    "Senior Engineer (to hire)",
    "Data Analyst (to hire)",
)
# Budget filters on time tracking entries' billable_status.
BILLABLE = {
    "billable": {"billable"},
    "non_billable": {"nonBillable"},
    "any": {"billable", "nonBillable", "notApplicable"},
}
# Timesheet states from least to most advanced; a week's timesheet is as far as its least advanced entry.
_PROGRESS = ("DRAFT", "SUBMITTED", "APPROVED")


def generate(
    b: Builder, space: Space, *, agents: int, time_categories: int, rated_projects: int, budgets: int
) -> None:
    """Every resourcing object of one workspace; what Asana reserves for paid plans only on those."""
    paid = space.workspace["_tier"] != "free"
    roles(b, space)
    ooo_entries(b, space)
    if paid:
        agents_of(b, space, agents)
        entries = [
            r
            for r in b.records
            if r["resource_type"] == "time_tracking_entry" and r["_workspace"] == space.workspace["gid"]
        ]
        time_tracking_categories(b, space, time_categories, entries)
        timesheets(b, space, entries)
        project_portfolio_settings(b, space)
        rates = project_rates(b, space, rated_projects, entries)
        project_budgets(b, space, budgets, entries, rates)


# -- roles ------------------------------------------------------------------------------------------------
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


# -- agents and out-of-office entries ---------------------------------------------------------------------
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


def ooo_entries(b: Builder, space: Space) -> None:
    """Out-of-office periods of the workspace's members: the upcoming vacation their membership shows
    (`vacation_dates`), and earlier time off."""
    ws_gid = space.workspace["gid"]
    memberships = [
        r
        for r in b.records
        if r["resource_type"] == "workspace_membership" and r["workspace"]["gid"] == ws_gid
    ]
    admins = [m["user"] for m in memberships if m["is_admin"]] or [m["user"] for m in memberships]
    for membership in memberships:
        user = membership["user"]
        periods: list[tuple[str, str]] = []
        for _ in range(b.pick((0, 0, 1, 1, 2))):
            start = b.when(0, SPAN_MS - 20 * DAY_MS)
            periods.append((day(start), day(start + b.rng.randint(0, 9) * DAY_MS)))
        periods.sort()
        vacation = membership["vacation_dates"]
        if vacation:
            periods.append((vacation["start_on"], vacation["end_on"]))
        for start_date, end_date in periods:
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "ooo_entry",
                    "start_date": start_date,
                    "end_date": end_date,
                    "user": dict(user),
                    # Most people enter their own time off; an admin sometimes does it for them.
                    "created_by": dict(user if b.chance(0.8) else b.pick(admins)),
                    "_workspace": ws_gid,
                }
            )


# -- time tracking ----------------------------------------------------------------------------------------
def time_tracking_categories(b: Builder, space: Space, count: int, entries: list[Record]) -> None:
    """Categories of a workspace (the last one archived) and the categories of its time entries."""
    if count <= 0:
        return
    chosen = [*CATEGORIES[: count - 1], ARCHIVED_CATEGORY]
    categories = [
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "time_tracking_category",
                "name": name,
                "color": color,
                "is_archived": (name, color) == ARCHIVED_CATEGORY,
                "_workspace": space.workspace["gid"],
            }
        )
        for name, color in chosen
    ]
    active = [c for c in categories if not c["is_archived"]]
    for entry in entries:
        # An archived category cannot be given to new entries, but stays on the ones that had it.
        pool = categories if entry["entered_on"] < "2026-01-01" else active
        picked = b.sample(pool, b.pick((0, 1, 1, 1, 1, 1, 1, 1, 2, 2)))
        entry["categories"] = [{**ref(c), "color": c["color"]} for c in sorted(picked, key=categories.index)]


def timesheets(b: Builder, space: Space, entries: list[Record]) -> None:
    """One approval status per user and week with logged time (Monday to Sunday).

    A week is as far along as its least advanced entry (draft, then submitted, then approved); some submitted
    weeks were rejected. Every entry of the week then shows its timesheet's status, as in Asana.
    """
    weeks: dict[tuple[str, str], list[Record]] = defaultdict(list)
    users: dict[str, Record] = {}
    for entry in entries:
        entered = date.fromisoformat(entry["entered_on"])
        monday = (entered - timedelta(days=entered.weekday())).isoformat()
        weeks[(monday, entry["created_by"]["gid"])].append(entry)
        users[entry["created_by"]["gid"]] = entry["created_by"]
    for (monday, user_gid), logged in sorted(weeks.items()):
        status = min((e["approval_status"] for e in logged), key=_progress)
        if status == "SUBMITTED" and b.chance(0.25):
            status = "REJECTED"
        for entry in logged:
            entry["approval_status"] = status
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "timesheet_approval_status",
                "created_at": min(e["created_at"] for e in logged),
                "user": dict(users[user_gid]),
                "workspace": ref(space.workspace),
                "start_date": monday,
                "end_date": (date.fromisoformat(monday) + timedelta(days=6)).isoformat(),
                "approval_status": status,
            }
        )


def _progress(status: str) -> int:
    return _PROGRESS.index(status) if status in _PROGRESS else 0


# -- portfolios, rates and budgets ------------------------------------------------------------------------
def project_portfolio_settings(b: Builder, space: Space) -> None:
    """How each project in a portfolio sits there: do the portfolio's members get access to it?"""
    projects = {p["gid"]: p for p in space.projects}
    for portfolio in space.portfolios:
        for item in portfolio["_items"]:
            project = projects.get(item["gid"]) if item["resource_type"] == "project" else None
            if project is None:
                continue
            since = max(ms_of(portfolio["created_at"]), ms_of(project["created_at"]))
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "project_portfolio_setting",
                    "project": ref(project),
                    "portfolio": ref(portfolio),
                    "is_access_control_inherited": b.chance(0.6),
                    "created_at": iso(b.later(since, 20)),
                }
            )


def _projects_by_activity(b: Builder, space: Space, entries: list[Record], count: int) -> list[Record]:
    """`count` active projects, those with logged time first (their budgets have actuals)."""
    logged = {e["attributable_to"]["gid"] for e in entries}
    active = [p for p in space.projects if not p["archived"]]
    with_time = [p for p in active if p["gid"] in logged]
    chosen = b.sample(with_time, count)
    chosen += b.sample([p for p in active if p not in chosen], max(0, count - len(chosen)))
    return sorted(chosen, key=space.projects.index)


def project_rates(b: Builder, space: Space, count: int, entries: list[Record]) -> dict[str, dict[str, float]]:
    """Hourly rates on `count` projects: for each member and each person who logged time there, and in an
    Enterprise organization for a placeholder or two. Returns project gid -> user gid -> rate."""
    users = {u["gid"]: u for u in space.users}
    standard = {gid: b.pick((65, 80, 95, 110, 125, 150, 175)) for gid in users}
    placeholders: list[Record] = []
    if space.workspace["_tier"] == "enterprise":
        placeholders = [
            {"gid": b.gid(), "resource_type": "placeholder", "name": name}
            for name in PLACEHOLDERS[: max(1, min(len(PLACEHOLDERS), count // 10 + 1))]
        ]
    loggers: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        project_gid = entry["attributable_to"]["gid"]
        if entry["created_by"]["gid"] not in loggers[project_gid]:
            loggers[project_gid].append(entry["created_by"]["gid"])
    out: dict[str, dict[str, float]] = {}
    for project in _projects_by_activity(b, space, entries, count):
        people = list(dict.fromkeys([*(m["gid"] for m in project["members"]), *loggers[project["gid"]]]))
        rates = out.setdefault(project["gid"], {})
        resources: list[Record] = [users[g] for g in people if g in users]
        if placeholders and b.chance(0.6):
            resources += b.sample(placeholders, b.rng.randint(1, 2))
        for resource in resources:
            # Most people bill their standard rate; some projects negotiate another.
            value = standard.get(resource["gid"]) or b.pick((90, 120, 140))
            if b.chance(0.2):
                value += b.pick((-15, -10, 10, 20))
            rates[resource["gid"]] = value
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "rate",
                    "parent": ref(project),
                    "resource": ref(resource),
                    "rate": value,
                    "currency_code": CURRENCY,
                    "created_by": dict(project["owner"]),
                }
            )
    return out


def project_budgets(
    b: Builder,
    space: Space,
    count: int,
    entries: list[Record],
    rates: dict[str, dict[str, float]],
) -> None:
    """At most one budget per project: time (minutes) or, on projects with rates, cost (the currency).

    The actual is what the project's time entries add up to under the budget's billable filter (minutes, or
    hours times each person's rate on the project).
    """
    by_project: dict[str, list[Record]] = defaultdict(list)
    for entry in entries:
        by_project[entry["attributable_to"]["gid"]].append(entry)
    for k, project in enumerate(_projects_by_activity(b, space, entries, count)):
        project_rates = rates.get(project["gid"], {})
        kind = "cost" if project_rates and k % 2 else "time"
        units = CURRENCY if kind == "cost" else "minutes"
        hourly = sum(project_rates.values()) / len(project_rates) if project_rates else 0

        def amount(minutes: float, kind: str = kind, hourly: float = hourly) -> float:
            return round(minutes / 60 * hourly, 2) if kind == "cost" else round(minutes)

        actual_filter = b.pick(("billable", "billable", "billable", "any", "non_billable"))
        logged = [e for e in by_project[project["gid"]] if e["billable_status"] in BILLABLE[actual_filter]]
        if kind == "cost":
            actual = round(
                sum(
                    e["duration_minutes"] / 60 * project_rates.get(e["created_by"]["gid"], 0) for e in logged
                ),
                2,
            )
        else:
            actual = sum(e["duration_minutes"] for e in logged)
        planned_hours = b.rng.randint(4, 40) * 10
        if b.chance(0.8):
            estimate: Record = {
                "billable_status_filter": b.pick(("billable", "any")),
                "source": b.pick(("tasks", "capacity_plans")),
                "enabled": True,
                "units": units,
                "value": amount(planned_hours * b.rng.uniform(0.7, 1.2) * 60),
            }
        else:
            estimate = {
                "billable_status_filter": "billable",
                "source": "none",
                "enabled": False,
                "units": None,
                "value": None,
            }
        total_value = amount(planned_hours * 60)
        total: Record = (
            {
                "enabled": True,
                "value": round(total_value, -2) if kind == "cost" else total_value,
                "units": units,
            }
            if b.chance(0.9)
            else {"enabled": False, "value": None, "units": None}
        )
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "budget",
                "budget_type": kind,
                "estimate": estimate,
                "actual": {"billable_status_filter": actual_filter, "value": actual, "units": units},
                "total": total,
                "parent": ref(project),
            }
        )
