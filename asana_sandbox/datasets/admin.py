"""Administration: access requests, a webhook, the audit log and organization exports."""

from __future__ import annotations

from . import words
from .builder import DAY_MS, SPAN_MS, Builder, Record, iso, ref
from .workspaces import Space


def access_requests(b: Builder, space: Space, count: int) -> None:
    targets = [*space.projects, *space.portfolios]
    # Pending, approved, pending, denied...: every dataset with three or more has each kind of answer.
    statuses = ("pending", "approved", "pending", "denied")
    for n in range(count):
        target = b.pick(targets)
        members = {m["gid"] for m in target["members"]}
        outsiders = [u for u in space.users if u["gid"] not in members] or space.users
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "access_request",
                "message": f"Could I get access to {target['name']}?",
                "approval_status": statuses[n % len(statuses)],
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
