"""target-asana on tasks: a round trip changes nothing, an edit sends what differs, keys stop duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asana_sandbox.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from tests.sandbox_client import SandboxClient
from tests.tap.tap_runner import run_tap, tap_config
from tests.target.conftest import write_requests
from tests.target.target_runner import record_message, run_target, schema_message, singer_lines, target_config

TICKET_SCHEMA = {
    name: {"type": ["string", "null"]}
    for name in ("id", "title", "body", "status", "owner", "due", "priority")
}


def _project_with_priority(sandbox: SandboxClient) -> tuple[dict, dict]:
    """A project of the enterprise workspace that has the Priority field and at least two sections."""
    store = sandbox.store
    for project in store.all("project"):
        if project.get("archived") or project["workspace"]["gid"] != store.all("workspace")[0]["gid"]:
            continue
        settings = store.related("custom_field_setting", "project", project["gid"])
        fields = [store.get(s["custom_field"]["gid"]) for s in settings]
        priority = next((f for f in fields if f and f["name"] == "Priority"), None)
        if priority and len(store.related("section", "project", project["gid"])) >= 2:
            return project, priority
    raise AssertionError("the demo dataset has no project with a Priority field")


def _tickets_config(sandbox: SandboxClient, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    project, _ = _project_with_priority(sandbox)
    return target_config(
        sandbox,
        tmp_path,
        workspace=project["workspace"]["gid"],
        mappings={
            "tickets": {
                "key": "id",
                "project": project["name"],
                "section_field": "status",
                "fields": {"name": "title", "notes": "body", "assignee": "owner", "due_on": "due"},
                "custom_fields": {"Priority": "priority"},
            }
        },
        **overrides,
    )


def _tickets(sandbox: SandboxClient, count: int = 3) -> list[dict]:
    project, _ = _project_with_priority(sandbox)
    sections = sandbox.store.related("section", "project", project["gid"])
    users = [
        u
        for u in sandbox.store.all("user")
        if project["workspace"]["gid"] in {w["gid"] for w in u["workspaces"]}
    ]
    return [
        {
            "id": f"T-{n}",
            "title": f"Customer cannot log in #{n}",
            "body": f"Reported by mail, ticket {n}.",
            "status": sections[n % 2]["name"],
            "owner": users[n % len(users)]["email"],
            "due": f"2026-12-{10 + n:02d}",
            "priority": ("Low", "High", "Critical")[n % 3],
        }
        for n in range(count)
    ]


def _messages(tickets: list[dict]) -> list[dict]:
    return [
        schema_message("tickets", TICKET_SCHEMA, keys=("id",)),
        *(record_message("tickets", t) for t in tickets),
    ]


def _tasks_named(sandbox: SandboxClient, prefix: str) -> list[dict]:
    return [t for t in sandbox.store.all("task") if (t.get("name") or "").startswith(prefix)]


# -- round trip ------------------------------------------------------------------------------------
def test_round_trip_of_the_taps_tasks_makes_no_write(fresh: SandboxClient, tmp_path: Path) -> None:
    tap = run_tap(tap_config(fresh), streams=["tasks"])
    fresh.control("reset", {})
    result = run_target(target_config(fresh, tmp_path), singer_lines(tap))
    assert write_requests(fresh) == {}
    assert result.streams["tasks"]["unchanged"] == len(tap.records["tasks"]) > 100
    assert result.totals["rejected"] == 0


def test_an_edited_task_gets_one_put_and_the_relation_calls(fresh: SandboxClient, tmp_path: Path) -> None:
    tap = run_tap(tap_config(fresh), streams=["tasks"])
    project, priority = _project_with_priority(fresh)
    task = next(
        t for t in tap.records["tasks"] if t.get("project_gid") == project["gid"] and not t.get("parent")
    )
    sections = fresh.store.related("section", "project", project["gid"])
    other_section = next(s for s in sections if s["gid"] != task["memberships"][0]["section"]["gid"])
    tag = next(t for t in fresh.store.all("tag") if t["workspace"]["gid"] == project["workspace"]["gid"])
    high = next(o for o in priority["enum_options"] if o["name"] == "High")
    edited = {
        **task,
        "name": "Renamed through the target",
        "completed": not task["completed"],
        "memberships": [{"project": {"gid": project["gid"]}, "section": {"gid": other_section["gid"]}}],
        "tags": [*(task.get("tags") or []), {"gid": tag["gid"]}],
        "custom_fields": [
            {**cf, "enum_value": {"gid": high["gid"]}} if cf["gid"] == priority["gid"] else cf
            for cf in task["custom_fields"]
        ],
    }
    fresh.control("reset", {})
    result = run_target(
        target_config(fresh, tmp_path),
        [
            {"type": "SCHEMA", "stream": "tasks", "schema": tap.schemas["tasks"], "key_properties": ["gid"]},
            record_message("tasks", edited),
        ],
    )
    assert result.totals["updated"] == 1
    writes = write_requests(fresh)
    assert writes.pop("PUT /tasks/{task_gid}") == 1
    assert writes == {"POST /tasks/{task_gid}/addProject": 1, "POST /tasks/{task_gid}/addTag": 1}
    stored = fresh.store.get(task["gid"])
    assert stored["name"] == "Renamed through the target" and stored["completed"] == edited["completed"]
    assert {"gid": other_section["gid"]}.items() <= stored["memberships"][0]["section"].items()
    value = next(cf for cf in stored["custom_fields"] if cf["gid"] == priority["gid"])
    assert value["enum_value"]["gid"] == high["gid"]
    again = run_target(
        target_config(fresh, tmp_path),
        [
            {"type": "SCHEMA", "stream": "tasks", "schema": tap.schemas["tasks"], "key_properties": ["gid"]},
            record_message("tasks", edited),
        ],
    )
    assert again.totals["unchanged"] == 1


# -- records from other systems --------------------------------------------------------------------
def test_foreign_records_are_created_once_and_rerun_changes_nothing(
    fresh: SandboxClient, tmp_path: Path
) -> None:
    tickets = _tickets(fresh)
    config = _tickets_config(fresh, tmp_path)
    first = run_target(config, _messages(tickets))
    assert (first.totals["created"], first.totals["rejected"]) == (3, 0), first.rejects
    created = _tasks_named(fresh, "Customer cannot log in")
    assert len(created) == 3
    _, priority = _project_with_priority(fresh)
    one = next(t for t in created if t["name"].endswith("#1"))
    assert one["assignee"]["gid"] == next(
        u["gid"] for u in fresh.store.all("user") if u["email"] == tickets[1]["owner"]
    )
    assert one["due_on"] == "2026-12-11"
    assert (
        next(cf for cf in one["custom_fields"] if cf["gid"] == priority["gid"])["enum_value"]["name"]
        == "High"
    )
    assert one["memberships"][0]["section"]["name"] == tickets[1]["status"]
    fresh.control("reset", {})
    second = run_target(config, _messages(tickets))
    assert second.totals["unchanged"] == 3 and write_requests(fresh) == {}
    tickets[2]["title"] = "Customer cannot log in #2 (escalated)"
    third = run_target(config, _messages(tickets))
    assert (third.totals["updated"], third.totals["unchanged"]) == (1, 2)
    assert len(_tasks_named(fresh, "Customer cannot log in")) == 3


def test_a_fresh_machine_finds_the_keys_in_asana(fresh: SandboxClient, tmp_path: Path) -> None:
    """No local file holds the keys: a run from another directory still updates instead of creating."""
    tickets = _tickets(fresh, 2)
    run_target(_tickets_config(fresh, tmp_path / "machine-a"), _messages(tickets))
    result = run_target(_tickets_config(fresh, tmp_path / "machine-b"), _messages(tickets))
    assert result.totals["created"] == 0 and len(_tasks_named(fresh, "Customer cannot log in")) == 2


def test_with_oauth_the_key_is_the_tasks_external_id(fresh: SandboxClient, tmp_path: Path) -> None:
    config = _tickets_config(fresh, tmp_path)
    del config["access_token"]
    config.update(
        client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET, refresh_token=DEFAULT_REFRESH_TOKEN
    )
    tickets = _tickets(fresh, 2)
    first = run_target(config, _messages(tickets))
    assert first.totals["created"] == 2, first.rejects
    # The sandbox keeps each OAuth app's external data apart (`_external`), as Asana does.
    created = _tasks_named(fresh, "Customer cannot log in")
    assert sorted(t["_external"][DEFAULT_CLIENT_ID]["gid"] for t in created) == [
        "tickets:T-0",
        "tickets:T-1",
    ]
    second = run_target(config, _messages(tickets))
    assert second.totals["unchanged"] == 2


def test_dry_run_resolves_everything_and_writes_nothing(fresh: SandboxClient, tmp_path: Path) -> None:
    fresh.control("reset", {})
    result = run_target(_tickets_config(fresh, tmp_path, dry_run=True), _messages(_tickets(fresh)))
    assert result.totals["created"] == 3
    assert write_requests(fresh) == {}
    assert _tasks_named(fresh, "Customer cannot log in") == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"owner": "nobody@example.invalid"}, "no user with email"),
        ({"priority": "Urgent"}, "has no option named 'Urgent'"),
        ({"status": "No such section"}, "no section named"),
        ({"due": "2026-02-31"}, "due_on"),
        ({"id": None}, "no gid and no upsert key"),
    ],
)
def test_bad_records_are_rejected_with_their_reason_and_the_rest_written(
    fresh: SandboxClient, tmp_path: Path, change: dict, reason: str
) -> None:
    tickets = _tickets(fresh, 2)
    tickets[0].update(change)
    result = run_target(_tickets_config(fresh, tmp_path), _messages(tickets))
    assert (result.totals["rejected"], result.totals["created"]) == (1, 1)
    assert reason in result.rejects[0]["reason"]
    assert result.rejects[0]["record"]["title"] == tickets[0]["title"]


# -- conflicts and deletes -------------------------------------------------------------------------
def _tap_task(fresh: SandboxClient) -> tuple[dict, dict]:
    tap = run_tap(tap_config(fresh), streams=["tasks"])
    task = next(t for t in tap.records["tasks"] if t.get("projects") and not t["completed"])
    return tap.schemas["tasks"], task


def _one(schema: dict, record: dict) -> list[dict]:
    return [
        {"type": "SCHEMA", "stream": "tasks", "schema": schema, "key_properties": ["gid"]},
        record_message("tasks", record),
    ]


def test_skip_if_remote_newer_leaves_a_task_edited_in_asana_since(
    fresh: SandboxClient, tmp_path: Path
) -> None:
    schema, task = _tap_task(fresh)
    fresh.put(f"/tasks/{task['gid']}", {"notes": "edited in Asana after the extract"})
    stale = {**task, "name": "stale rename"}
    result = run_target(
        target_config(fresh, tmp_path, conflict_policy="skip_if_remote_newer"), _one(schema, stale)
    )
    assert result.totals["skipped"] == 1 and fresh.store.get(task["gid"])["name"] == task["name"]
    result = run_target(target_config(fresh, tmp_path), _one(schema, stale))  # overwrite, the default
    assert result.totals["updated"] == 1 and fresh.store.get(task["gid"])["name"] == "stale rename"


def test_fill_empty_only_writes_fields_that_are_empty_in_asana(fresh: SandboxClient, tmp_path: Path) -> None:
    schema, task = _tap_task(fresh)
    fresh.put(f"/tasks/{task['gid']}", {"due_on": None})
    wanted = {**task, "name": "not written", "due_on": "2027-01-15", "due_at": None}
    run_target(target_config(fresh, tmp_path, conflict_policy="fill_empty_only"), _one(schema, wanted))
    stored = fresh.store.get(task["gid"])
    assert stored["due_on"] == "2027-01-15" and stored["name"] == task["name"]


def test_deleted_records_complete_or_delete_the_task_only_when_asked(
    fresh: SandboxClient, tmp_path: Path
) -> None:
    schema, task = _tap_task(fresh)
    tombstone = {"gid": task["gid"], "_sdc_deleted_at": "2026-11-30T10:00:00.000Z"}
    assert run_target(target_config(fresh, tmp_path), _one(schema, tombstone)).totals["skipped"] == 1
    soft = run_target(target_config(fresh, tmp_path, deletes="soft"), _one(schema, tombstone))
    assert soft.totals["deleted"] == 1 and fresh.store.get(task["gid"])["completed"] is True
    hard = run_target(target_config(fresh, tmp_path, deletes="hard"), _one(schema, tombstone))
    assert hard.totals["deleted"] == 1 and fresh.store.get(task["gid"]) is None


def test_the_taps_whole_output_piped_back_makes_no_write(fresh: SandboxClient, tmp_path: Path) -> None:
    """Every stream of a full sync: writable ones are found unchanged, the others skipped, none rejected."""
    tap = run_tap(tap_config(fresh))
    fresh.control("reset", {})
    result = run_target(target_config(fresh, tmp_path), singer_lines(tap))
    assert write_requests(fresh) == {}
    assert result.totals["rejected"] == 0, result.rejects[:3]
    assert result.totals["created"] == result.totals["updated"] == result.totals["deleted"] == 0


def test_parents_are_written_before_children_whatever_the_input_order(
    fresh: SandboxClient, tmp_path: Path
) -> None:
    """Stories arriving before their task's record are still written after it (sinks drain by rank)."""
    schema, task = _tap_task(fresh)
    story_schema = {k: {"type": ["string", "null"]} for k in ("text", "type", "task_gid")}
    messages = [
        schema_message("stories", story_schema, keys=()),
        record_message(
            "stories", {"text": "Written after the rename", "type": "comment", "task_gid": task["gid"]}
        ),
        {"type": "SCHEMA", "stream": "tasks", "schema": schema, "key_properties": ["gid"]},
        record_message("tasks", {**task, "name": "Renamed before its new comment"}),
    ]
    before = len(fresh.store.events)
    result = run_target(target_config(fresh, tmp_path), messages)
    assert (result.totals["updated"], result.totals["created"]) == (1, 1)
    events = [e for _, e, _ in fresh.store.events[before:]]
    renamed = next(i for i, e in enumerate(events) if (e.get("change") or {}).get("field") == "name")
    commented = next(
        i
        for i, e in enumerate(events)
        if e["resource"]["resource_type"] == "story"
        and e["action"] == "added"
        and fresh.store.get(e["resource"]["gid"])
        and fresh.store.get(e["resource"]["gid"])["text"] == "Written after the rename"
    )
    assert renamed < commented
