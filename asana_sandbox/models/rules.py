"""Rule triggers: the "incoming web request" triggers of project rules, and their runs.

The API has no read of rules, only `POST /rule_triggers/{g}/run`; in Asana a trigger's gid comes from the
rule builder. Here each project of a paid workspace's first `SEEDED_PER_WORKSPACE` (archived ones left out)
gets one trigger when the sandbox starts (before any request, so the same gids every time), and
`/_sandbox/rule_triggers` lists triggers with their runs and makes new ones, as the rule builder would.

Running one records the run (the task and `action_data`) on the trigger. The sandbox's rules have no actions
to perform: a run changes nothing else, and the Events API reports nothing for it.
"""

from __future__ import annotations

from typing import Any

from asana_sandbox.errors import ApiError, bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref
from asana_sandbox.store import Store

SEEDED_PER_WORKSPACE = 2
TRIGGER_NAME = "Incoming web request"
# The spec's RuleTriggerResponse example.
RAN = "Successfully saved the payload and ran the rule"


def seed(store: Store) -> None:
    """One trigger on each of the first projects of every paid workspace."""
    for workspace in store.all("workspace"):
        if workspace.get("_tier", "free") == "free":
            continue
        projects = [
            p for p in store.related("project", "workspace", workspace["gid"]) if not p.get("archived")
        ]
        for project in projects[:SEEDED_PER_WORKSPACE]:
            new(store, project)


def new(store: Store, project: Record, name: str = TRIGGER_NAME) -> Record:
    """A trigger on `project`'s rules, as the rule builder makes one (no event: rules have none)."""
    trigger: Record = {
        "gid": store.new_gid(),
        "resource_type": "rule_trigger",
        "name": name,
        "project": ref(project),
        "_workspace": project["workspace"]["gid"],
        "_runs": [],
    }
    return store.insert(trigger)


def drop_for(changes: Changes, project: Record) -> None:
    """A project that is going away takes its rules' triggers along (404 afterwards; rules have no events)."""
    for trigger in changes.store.related("rule_trigger", "project", project["gid"]):
        changes.store.delete(trigger["gid"])


def run(changes: Changes, trigger: Record, body: Body) -> Record:
    """Record a run for `resource` (a task of the rule's project) with its `action_data`."""
    task = body.obj("resource", "task", required=True)
    assert task is not None
    if all(p["gid"] != trigger["project"]["gid"] for p in task.get("projects") or ()):
        raise bad_request(
            f"resource: Task {task['gid']} is not in project {trigger['project']['gid']}, where the rule is"
        )
    action_data = body.raw("action_data")
    if action_data is None:
        body.require("action_data")
    if not isinstance(action_data, dict):
        raise bad_request(f"action_data: Not an object: {action_data!r}")
    entry: Record = {
        "resource": ref(task),
        "action_data": action_data,
        "user": changes.actor_ref(),
        "created_at": changes.now,
    }
    changes.store.update(trigger["gid"], {"_runs": [*trigger["_runs"], entry]})
    return {"message": RAN}


# -- the control endpoint -----------------------------------------------------------------------------------
def control(store: Store, body: dict[str, Any] | None) -> dict[str, Any]:
    """`GET /_sandbox/rule_triggers`: the triggers and their runs; `POST {"project", "name"?}`: a new one."""
    if body is not None:
        project = store.get(str(body.get("project")), "project")
        if project is None:
            raise ApiError(400, "project: Not a recognized ID")
        name = body.get("name", TRIGGER_NAME)
        if not isinstance(name, str):
            raise ApiError(400, "name: Must be a string")
        with store.lock:
            return {"data": _shown(new(store, project, name))}
    return {"data": [_shown(t) for t in store.all("rule_trigger")]}


def _shown(trigger: Record) -> Record:
    return {
        "gid": trigger["gid"],
        "name": trigger["name"],
        "project": trigger["project"],
        "runs": trigger["_runs"],
    }
