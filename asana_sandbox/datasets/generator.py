"""Builds the `demo` and `bench` datasets: full Asana objects, deterministic for a given seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from . import (
    admin,
    attachments,
    builder,
    custom_fields,
    goals,
    jobs,
    portfolios,
    projects,
    resourcing,
    roles,
    status_updates,
    stories,
    tags,
    tasks,
    teams,
    templates,
    time_tracking,
    workspaces,
)
from .builder import Builder, Record
from .tasks import TaskPlan
from .workspaces import Space


@dataclass(frozen=True)
class SpaceSpec:
    """The shape of one workspace in a dataset."""

    name: str
    domain: str | None  # None: a plain workspace (no teams); otherwise an organization on this domain
    tier: str
    own_users: int  # users only in this workspace
    shared_users: int  # users also in the previous workspace
    teams: int
    projects: int
    archived: int
    custom_fields: int
    fields_per_project: int
    tags: int
    plan: TaskPlan
    stories_mean: float
    attachment_chance: float
    time_entry_chance: float
    portfolios: int = 0
    portfolio_items: int = 3
    goals: int = 0
    templates: int = 0
    custom_types: int = 0
    allocations: int = 0
    access_requests: int = 0
    webhook: bool = False
    audit_events: int = 0
    personal: bool = False  # project names from the personal list
    # Generated on paid workspaces only, in the last stage (every workspace has roles and OOO entries).
    agents: int = 0
    time_categories: int = 0  # the last one archived
    rated_projects: int = 0
    budgets: int = 0


DEMO = (
    SpaceSpec(
        name="Acme Corp",
        domain="acme.example.com",
        tier="enterprise",
        own_users=13,
        shared_users=0,
        teams=3,
        projects=8,
        archived=1,
        custom_fields=8,
        fields_per_project=4,
        tags=8,
        plan=TaskPlan(
            per_project=(15, 20),
            no_project=8,
            subtask_chance=0.25,
            multi_home_chance=0.12,
            dependency_chance=0.05,
        ),
        stories_mean=2.2,
        attachment_chance=0.12,
        time_entry_chance=0.1,
        portfolios=2,
        goals=5,
        templates=2,
        custom_types=2,
        allocations=4,
        access_requests=3,
        webhook=True,
        audit_events=50,
        agents=3,
        time_categories=5,
        rated_projects=5,
        budgets=4,
    ),
    SpaceSpec(
        name="Personal Projects",
        domain=None,
        tier="free",
        own_users=2,
        shared_users=1,
        teams=0,
        projects=2,
        archived=0,
        custom_fields=0,
        fields_per_project=0,
        tags=3,
        plan=TaskPlan(
            per_project=(15, 20),
            no_project=2,
            subtask_chance=0.25,
            multi_home_chance=0.12,
            dependency_chance=0.0,
        ),
        stories_mean=1.8,
        attachment_chance=0.05,
        time_entry_chance=0.0,
        personal=True,
    ),
)

BENCH = (
    SpaceSpec(
        name="Globex Enterprise",
        domain="globex.example.com",
        tier="enterprise",
        own_users=300,
        shared_users=0,
        teams=12,
        projects=200,
        archived=15,
        custom_fields=24,
        fields_per_project=6,
        tags=16,
        plan=TaskPlan(
            per_project=(45, 62),
            no_project=400,
            subtask_chance=0.3,
            multi_home_chance=0.08,
            dependency_chance=0.03,
        ),
        stories_mean=2.0,
        attachment_chance=0.05,
        time_entry_chance=0.06,
        portfolios=6,
        portfolio_items=12,
        goals=12,
        templates=10,
        custom_types=4,
        allocations=60,
        access_requests=25,
        webhook=True,
        audit_events=2000,
        agents=6,
        time_categories=7,
        rated_projects=60,
        budgets=40,
    ),
    SpaceSpec(
        name="Initech Labs",
        domain=None,
        tier="premium",
        own_users=40,
        shared_users=20,
        teams=0,
        projects=30,
        archived=3,
        custom_fields=6,
        fields_per_project=4,
        tags=10,
        plan=TaskPlan(
            per_project=(45, 62),
            no_project=100,
            subtask_chance=0.3,
            multi_home_chance=0.08,
            dependency_chance=0.03,
        ),
        stories_mean=2.0,
        attachment_chance=0.05,
        time_entry_chance=0.06,
        portfolios=2,
        portfolio_items=6,
        goals=4,
        templates=3,
        custom_types=1,
        allocations=10,
        access_requests=5,
        agents=2,
        time_categories=4,
        rated_projects=12,
        budgets=8,
    ),
)

PROFILES = {"demo": DEMO, "bench": BENCH}


def generate(profile: str, seed: int = 42, reference_date: date | None = None) -> list[Record]:
    """All records of the named profile, in creation order (parents before what refers to them).

    Their dates lie in a window ending on `reference_date` (default: today in UTC), give or take the few days
    that keep weekdays in place; the same seed and reference date always give the same records.
    """
    with builder.CLOCK_LOCK:
        builder.use_reference_date(reference_date or datetime.now(timezone.utc).date())
        return _generate(profile, seed)


def _generate(profile: str, seed: int) -> list[Record]:
    b = Builder(seed)
    previous: list[Record] = []
    spaces: list[tuple[Space, SpaceSpec]] = []
    for spec in PROFILES[profile]:
        space = workspaces.workspace(b, spec.name, spec.domain, spec.tier)
        own = workspaces.users(b, spec.own_users, spec.domain or "example.com")
        members = [*b.sample(previous, spec.shared_users), *own]
        workspaces.join(b, space, members)
        if spec.teams:
            teams.teams(b, space, spec.teams)
        _work(b, space, spec)
        _plans(b, space, spec)
        previous = space.users
        spaces.append((space, spec))
    # The last stage of every workspace, run once all of them are built: no record or gid generated before
    # shifts (the builder's gids and random draws are shared by the workspaces).
    for space, spec in spaces:
        _last_stage(b, space, spec)
    attachments.attachment_stories(b)
    return b.records


def _work(b: Builder, space: Space, spec: SpaceSpec) -> None:
    custom_fields.custom_fields(b, space, spec.custom_fields)
    tags.tags(b, space, spec.tags)
    names = projects.project_names(b, spec.projects, spec.personal)
    projects.projects(b, space, names, spec.archived, spec.fields_per_project)
    tasks.generate(b, space, spec.plan)
    stories.task_stories(b, space, spec.stories_mean)
    attachments.attachments(b, space, spec.attachment_chance)
    time_tracking.time_entries(b, space, spec.time_entry_chance)


def _plans(b: Builder, space: Space, spec: SpaceSpec) -> None:
    if spec.goals:
        goals.time_periods(b, space)
    if spec.portfolios:
        portfolios.portfolios(b, space, spec.portfolios, spec.portfolio_items)
    if spec.goals:
        goals.goals(b, space, spec.goals)
        stories.goal_stories(b, space)
    status_updates.status_updates(b, space)
    templates.project_templates(b, space, spec.templates)
    templates.task_templates(b, space, spec.templates)
    if spec.custom_types:
        custom_fields.custom_types(b, space, spec.custom_types)
    resourcing.allocations(b, space, spec.allocations)
    admin.access_requests(b, space, spec.access_requests)
    if spec.webhook:
        admin.webhook(b, space)
    if spec.audit_events:
        admin.audit_log(b, space, spec.audit_events)
    # Added last, so that they shift none of the records generated before them.
    custom_fields.custom_id_field(b, space)
    custom_fields.settings_on_goals_and_teams(b, space)
    jobs.jobs(b, space)
    admin.organization_exports(b, space)


def _last_stage(b: Builder, space: Space, spec: SpaceSpec) -> None:
    """Roles and out-of-office entries of every workspace; agents, time tracking categories and timesheets,
    project portfolio settings, rates and budgets only on paid ones, as Asana reserves them for paid plans.

    Two earlier record types are completed here, as Asana links them: time tracking entries get their
    categories, and each entry takes the approval status of the weekly timesheet it belongs to.
    """
    paid = space.workspace["_tier"] != "free"
    roles.roles(b, space)
    resourcing.ooo_entries(b, space)
    if paid:
        workspaces.agents_of(b, space, spec.agents)
        entries = [
            r
            for r in b.records
            if r["resource_type"] == "time_tracking_entry" and r["_workspace"] == space.workspace["gid"]
        ]
        time_tracking.time_tracking_categories(b, space, spec.time_categories, entries)
        time_tracking.timesheets(b, space, entries)
        portfolios.project_portfolio_settings(b, space)
        rates = resourcing.project_rates(b, space, spec.rated_projects, entries)
        resourcing.project_budgets(b, space, spec.budgets, entries, rates)
