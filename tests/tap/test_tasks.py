"""Tasks: once per run whatever the number of projects, subtasks at every depth, tasks in no project."""

from __future__ import annotations

import pytest
from singer_sdk.streams.rest import PageContext

from tap_asana.tap import TapAsana
from tests.tap.tap_runner import run_tap, tap_config


@pytest.fixture
def synced(sandbox):
    return sandbox, run_tap(tap_config(sandbox), streams=["tasks"])


def _depth(sandbox, task: dict) -> int:
    depth = 0
    while task.get("parent"):
        task = sandbox.store.get(task["parent"]["gid"])
        depth += 1
    return depth


def test_task_in_several_projects_is_emitted_once(synced) -> None:
    sandbox, result = synced
    multi = {t["gid"] for t in sandbox.store.all("task") if len(t["projects"]) > 1}
    gids = result.gids("tasks")
    assert multi and multi <= set(gids)
    assert len(gids) == len(set(gids))


def test_subtasks_are_extracted_at_every_depth(synced) -> None:
    sandbox, result = synced
    emitted = set(result.gids("tasks"))
    depths = {_depth(sandbox, sandbox.store.get(gid)) for gid in emitted}
    assert max(depths) >= 2  # sub-subtasks, not just subtasks
    subtasks = {t["gid"] for t in sandbox.store.all("task") if t.get("parent")}
    assert subtasks <= emitted


def test_tasks_in_no_project_come_from_my_tasks(synced) -> None:
    sandbox, result = synced
    loose = {t["gid"] for t in sandbox.store.all("task") if not t["projects"] and not t.get("parent")}
    assert loose
    by_gid = {r["gid"]: r for r in result.records["tasks"]}
    assert loose <= set(by_gid)
    assert all(by_gid[g]["assignee_gid"] for g in loose)


def test_requests_ask_every_schema_property_and_pages_of_100(sandbox) -> None:
    tap = TapAsana(config=tap_config(sandbox))
    for stream in tap.streams.values():
        context = {key: "1" for key in stream.context_keys}
        request = stream.get_http_request(page=PageContext(stream_context=context, next_page_token=None))
        asked = {path.split(".")[0] for path in request.params.get("opt_fields", "").split(",")}
        assert asked == set(stream.schema["properties"]) - set(stream.context_keys), stream.name
        if stream.paginated:
            assert request.params["limit"] == 100
    # Nested properties are asked by dotted path, so custom field values come back whole.
    result = run_tap(tap_config(sandbox), streams=["tasks"])
    record = next(r for r in result.records["tasks"] if r.get("custom_fields"))
    assert "display_value" in record["custom_fields"][0]


def test_each_schema_is_sent_once_per_run(sandbox) -> None:
    result = run_tap(tap_config(sandbox), streams=["tasks", "stories", "attachments"])
    assert len(result.records["stories"]) > 1
    assert dict(result.schema_messages) == {"tasks": 1, "stories": 1, "attachments": 1}
