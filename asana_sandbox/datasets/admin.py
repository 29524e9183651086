"""Templates, custom types, allocations, access requests, webhooks and the audit log."""

from __future__ import annotations

from . import words
from .builder import DAY_MS, SPAN_MS, Builder, Record, day, html, iso, ms_of, ref
from .people import Space


def project_templates(b: Builder, space: Space, count: int) -> None:
    """Templates owned by a user (in a team for organizations); some projects were created from them."""
    ws = space.workspace
    templates = []
    for project in b.sample(space.projects, count):
        team = b.pick(space.teams) if space.teams else None
        template = b.add(
            {
                "gid": b.gid(),
                "resource_type": "project_template",
                "name": f"{project['name']} template",
                "description": f"Start a project like {project['name']}.",
                "html_description": html(f"Start a project like <strong>{project['name']}</strong>."),
                "public": b.chance(0.5),
                "owner": dict(project["owner"]),
                "team": ref(team) if team else None,
                "requested_dates": [
                    {"gid": "1", "name": "Start Date", "description": "Choose a start date for your project."}
                ],
                "color": b.pick(words.COLORS),
                "requested_roles": [],
                "_workspace": ws["gid"],
            }
        )
        templates.append(template)
    for project in space.projects:
        if templates and project["created_from_template"] is None and b.chance(0.2):
            project["created_from_template"] = ref(b.pick(templates))


def task_templates(b: Builder, space: Space, count: int) -> None:
    for project in b.sample(space.projects, count):
        name = f"{b.pick(('Bug report', 'Content request', 'Design review', 'Onboarding step'))}"
        creator = dict(project["owner"])
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "task_template",
                "name": name,
                "project": ref(project),
                "template": {
                    "name": name,
                    "task_resource_subtype": "default_task",
                    "description": f"Use this template for a {name.lower()}.",
                    "html_description": html(f"Use this template for a {name.lower()}."),
                    "memberships": [ref(project)],
                    "relative_start_on": None,
                    "relative_due_on": b.rng.randint(1, 14),
                    "due_time": None,
                    "dependencies": [],
                    "dependents": [],
                    "followers": [creator],
                    "attachments": [],
                    "subtasks": [],
                    "custom_fields": [],
                },
                "created_by": creator,
                "created_at": iso(b.later(ms_of(project["created_at"]), 30)),
            }
        )


def custom_types(b: Builder, space: Space, count: int) -> None:
    """Custom task types (e.g. "Bug ticket") available in a few projects."""
    for name in ("Bug ticket", "Feature request", "Incident", "Request")[:count]:
        options = [
            {
                "gid": b.gid(),
                "resource_type": "custom_type_status_option",
                "name": label,
                "enabled": True,
                "color": color,
                "completion_state": state,
            }
            for label, color, state in (
                ("Open", "blue", "Incomplete"),
                ("In progress", "yellow", "Incomplete"),
                ("Closed", "green", "Complete"),
            )
        ]
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "custom_type",
                "name": name,
                "status_options": options,
                "_workspace": space.workspace["gid"],
                "_projects": [p["gid"] for p in b.sample(space.projects, 3)],
            }
        )


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


def access_requests(b: Builder, space: Space, count: int) -> None:
    targets = [*space.projects, *space.portfolios]
    for _ in range(count):
        target = b.pick(targets)
        members = {m["gid"] for m in target["members"]}
        outsiders = [u for u in space.users if u["gid"] not in members] or space.users
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "access_request",
                "message": f"Could I get access to {target['name']}?",
                "approval_status": b.pick(("pending", "pending", "approved", "denied")),
                "requester": ref(b.pick(outsiders)),
                "target": {"gid": target["gid"], "resource_type": target["resource_type"]},
            }
        )


def webhook(b: Builder, space: Space) -> None:
    project = space.projects[0]
    created = b.when(SPAN_MS // 2, SPAN_MS - 10 * DAY_MS)
    gid = b.gid()
    b.add(
        {
            "gid": gid,
            "resource_type": "webhook",
            "active": True,
            "resource": ref(project),
            "target": f"https://hooks.example.com/asana/{gid}",
            "created_at": iso(created),
            "last_failure_at": None,
            "last_failure_content": "",
            "last_success_at": iso(b.later(created, 5)),
            "delivery_retry_count": 0,
            "next_attempt_after": None,
            "failure_deletion_timestamp": None,
            "filters": [
                {"resource_type": "task", "resource_subtype": None, "action": "changed", "fields": ["due_on"]}
            ],
            "_workspace": space.workspace["gid"],
        }
    )


def audit_log(b: Builder, space: Space, count: int) -> None:
    """Audit log events of an enterprise organization, oldest first."""
    by_type: dict[str, list[Record]] = {
        "task": space.tasks,
        "project": space.projects,
        "user": space.users,
        "team": space.teams,
    }
    attachments = [r for r in b.records if r["resource_type"] == "attachment"]
    by_type["attachment"] = attachments
    times = sorted(b.when(SPAN_MS - 80 * DAY_MS, SPAN_MS) for _ in range(count))
    for at in times:
        event_type, category, kind = b.pick(words.AUDIT_EVENTS)
        pool = by_type.get(kind) or space.users
        kind = pool[0]["resource_type"]
        target = b.pick(pool)
        actor = b.pick(space.users)
        api = b.chance(0.3)
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "audit_log_event",
                "created_at": iso(at),
                "event_type": event_type,
                "event_category": category,
                "actor": {
                    "actor_type": "user",
                    "gid": actor["gid"],
                    "name": actor["name"],
                    "email": actor["email"],
                },
                "resource": _audit_resource(kind, target),
                "details": {"old_value": None, "new_value": None},
                "context": _audit_context(b, api),
                "_workspace": space.workspace["gid"],
            }
        )


def _audit_resource(kind: str, target: Record) -> Record:
    """The audited object; keys that do not apply (email of a task, a missing subtype) are left out."""
    out: Record = {"resource_type": kind, "gid": target["gid"], "name": target.get("name")}
    if target.get("resource_subtype"):
        out["resource_subtype"] = target["resource_subtype"]
    if target.get("email"):
        out["email"] = target["email"]
    return out


def _audit_context(b: Builder, api: bool) -> Record:
    """Where the event came from; the spec documents the API-only keys as present only for API calls."""
    context: Record = {
        "context_type": "api" if api else "web",
        "client_ip_address": f"203.0.113.{b.rng.randint(1, 254)}",
        "user_agent": "python-requests/2.32" if api else "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)",
    }
    if api:
        context["api_authentication_method"] = "personal_access_token"
    return context


def jobs(b: Builder, space: Space) -> None:
    """Jobs left by earlier actions: a project and a task duplicated, and a template being instantiated."""
    projects = [p for p in space.projects if not p["archived"]]
    if not projects or not space.tasks:
        return
    results: list[tuple[str, str, Record]] = [
        ("duplicate_project", "succeeded", {"new_project": ref(b.pick(projects))}),
        ("duplicate_task", "succeeded", {"new_task": ref(b.pick(space.tasks))}),
        ("instantiate_project_template", "in_progress", {"new_project": ref(b.pick(projects))}),
    ]
    outputs = ("new_portfolio", "new_project", "new_task", "new_project_template")
    for subtype, status, result in results:
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "job",
                "resource_subtype": subtype,
                "status": status,
                **{key: result.get(key) for key in outputs},
                "new_graph_export": None,
                "new_resource_export": None,
                "_workspace": space.workspace["gid"],
            }
        )


def organization_exports(b: Builder, space: Space) -> None:
    """An organization's exports: one finished (with its download link), one still pending."""
    if not space.is_org:
        return
    for state in ("finished", "pending"):
        gid = b.gid()
        b.add(
            {
                "gid": gid,
                "resource_type": "organization_export",
                "created_at": iso(b.when(SPAN_MS - 30 * DAY_MS, SPAN_MS)),
                "download_url": (
                    f"https://asana-export.example.com/domain_export/{gid}.json.gz"
                    if state == "finished"
                    else None
                ),
                "state": state,
                "organization": ref(space.workspace),
            }
        )
