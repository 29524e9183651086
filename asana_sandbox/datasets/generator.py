"""Builds the `demo` and `bench` datasets: full Asana objects, deterministic for a given seed."""

from __future__ import annotations

from dataclasses import dataclass

from . import activity, admin, people, planning, resourcing, tasks, words
from .builder import Builder, Record
from .people import Space
from .tasks import TaskPlan


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
    # Resourcing objects, generated on paid workspaces only (every workspace has roles and OOO entries).
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


def generate(profile: str, seed: int = 42) -> list[Record]:
    """All records of the named profile, in creation order (parents before what refers to them)."""
    b = Builder(seed)
    previous: list[Record] = []
    spaces: list[tuple[Space, SpaceSpec]] = []
    for spec in PROFILES[profile]:
        space = people.workspace(b, spec.name, spec.domain, spec.tier)
        own = people.users(b, spec.own_users, spec.domain or "example.com")
        members = [*b.sample(previous, spec.shared_users), *own]
        people.join(b, space, members)
        if spec.teams:
            people.teams(b, space, spec.teams)
        _work(b, space, spec)
        _plans(b, space, spec)
        previous = space.users
        spaces.append((space, spec))
    # The last stage of every workspace, run once all of them are built: no record or gid generated before
    # shifts (the builder's gids and random draws are shared by the workspaces).
    for space, spec in spaces:
        resourcing.generate(
            b,
            space,
            agents=spec.agents,
            time_categories=spec.time_categories,
            rated_projects=spec.rated_projects,
            budgets=spec.budgets,
        )
    return b.records


def _project_names(b: Builder, count: int, personal: bool) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        if personal:
            name = b.pick(words.PERSONAL_PROJECTS)
        else:
            name = f"{b.pick(words.PROJECT_PREFIXES)} {b.pick(words.PROJECT_TOPICS)}"
        if name in seen:
            name = f"{name} {len(names) + 1}"
        seen.add(name)
        names.append(name)
    return names


def _work(b: Builder, space: Space, spec: SpaceSpec) -> None:
    from . import work

    work.custom_fields(b, space, spec.custom_fields)
    work.tags(b, space, spec.tags)
    work.projects(
        b, space, _project_names(b, spec.projects, spec.personal), spec.archived, spec.fields_per_project
    )
    tasks.generate(b, space, spec.plan)
    activity.task_stories(b, space, spec.stories_mean)
    activity.attachments(b, space, spec.attachment_chance)
    activity.time_entries(b, space, spec.time_entry_chance)


def _plans(b: Builder, space: Space, spec: SpaceSpec) -> None:
    from . import work

    if spec.goals:
        planning.time_periods(b, space)
    if spec.portfolios:
        planning.portfolios(b, space, spec.portfolios, spec.portfolio_items)
    if spec.goals:
        planning.goals(b, space, spec.goals)
        activity.goal_stories(b, space)
    planning.status_updates(b, space)
    admin.project_templates(b, space, spec.templates)
    admin.task_templates(b, space, spec.templates)
    if spec.custom_types:
        admin.custom_types(b, space, spec.custom_types)
    admin.allocations(b, space, spec.allocations)
    admin.access_requests(b, space, spec.access_requests)
    if spec.webhook:
        admin.webhook(b, space)
    if spec.audit_events:
        admin.audit_log(b, space, spec.audit_events)
    # Added last, so that they shift none of the records generated before them.
    work.custom_id_field(b, space)
    work.settings_on_goals_and_teams(b, space)
    admin.jobs(b, space)
    admin.organization_exports(b, space)
