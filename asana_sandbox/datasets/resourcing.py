"""Resource management: allocations of people to projects, out-of-office entries, billing rates, budgets."""

from __future__ import annotations

from collections import defaultdict

from .builder import DAY_MS, SPAN_MS, Builder, Record, day, ms_of, ref
from .workspaces import Space

CURRENCY = "USD"  # a domain's currency, set at the domain level

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


def allocations(b: Builder, space: Space, count: int) -> None:
    for project in b.sample([p for p in space.projects if not p["archived"]], count):
        user = b.pick(project["members"])
        start = ms_of(project["created_at"]) + b.rng.randint(0, 30) * DAY_MS
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "allocation",
                "start_date": day(start),
                "end_date": day(start + b.rng.randint(7, 60) * DAY_MS),
                "effort": {"type": "percent", "value": b.pick((20, 50, 80, 100))},
                "assignee": dict(user),
                "created_by": dict(project["owner"]),
                "parent": ref(project),
                "resource_subtype": "project_allocation",
                "_workspace": space.workspace["gid"],
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
        # about one in five has no estimate, and so does the second budget, so every dataset shows both kinds
        if b.chance(0.8) and k != 1:
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
