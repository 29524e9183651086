"""Tasks found by project events (moved, added, or made someone's subtask) come with every child; the
record's `project_gid` does not depend on which project the tap read first."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tap_asana.streams.tasks import TasksStream
from tests.tap.tap_runner import run_tap, tap_config

STREAMS = ["tasks", "stories"]


def _during_partition(monkeypatch, project: str, action: Callable[[], None]) -> None:
    """Run `action` once, just before the tap reads `project`'s tasks."""
    original = TasksStream.get_records
    done: list[bool] = []

    def patched(self, context):
        if context and context.get("project_gid") == project and not done:
            done.append(True)
            action()
        yield from original(self, context)

    monkeypatch.setattr(TasksStream, "get_records", patched)


def _project_order(sandbox) -> list[str]:
    """The order in which the tap reads a workspace's projects (the listing's order)."""
    workspace = sandbox.store.all("workspace")[0]["gid"]
    return [p["gid"] for p in sandbox.store.all("project") if p["workspace"]["gid"] == workspace]


def _tree(sandbox, gid: str) -> set[str]:
    out, todo = set(), [gid]
    while todo:
        out.add(current := todo.pop())
        todo += [t["gid"] for t in sandbox.store.all("task") if (t.get("parent") or {}).get("gid") == current]
    return out


def _stories_of(sandbox, gids: set[str]) -> set[str]:
    return {s["gid"] for s in sandbox.store.all("story") if s["target"]["gid"] in gids}


@pytest.mark.parametrize("when", ["during the first run", "between runs"])
def test_task_moved_into_a_project_already_read_comes_with_subtasks_and_all_stories(
    sandbox, monkeypatch, when
) -> None:
    order = _project_order(sandbox)
    # A top-level task with subtasks and stories, in one project read after another one.
    task = next(
        t
        for t in sandbox.store.all("task")
        if len(t["projects"]) == 1 and t.get("num_subtasks") and order.index(t["projects"][0]["gid"]) > 0
    )
    source = task["projects"][0]["gid"]
    target = order[0]
    tree = _tree(sandbox, task["gid"])
    assert len(tree) > 1 and _stories_of(sandbox, tree)

    def move() -> None:
        assert sandbox.post(f"/tasks/{task['gid']}/addProject", {"project": target}).status_code == 200
        assert sandbox.post(f"/tasks/{task['gid']}/removeProject", {"project": source}).status_code == 200

    # One request at a time: read-ahead would list the source project before the move below happens.
    config = tap_config(sandbox, max_concurrent_requests=1)
    if when == "during the first run":
        # Moved out of a project not read yet into one the tap has finished: the first run never sees it.
        _during_partition(monkeypatch, source, move)
        first = run_tap(config, streams=STREAMS)
        monkeypatch.undo()
        assert task["gid"] not in first.gids("tasks")
    else:
        first = run_tap(config, streams=STREAMS)
        move()
    second = run_tap(config, streams=STREAMS, state=first.state)

    emitted = set(first.gids("tasks")) | set(second.gids("tasks"))
    assert tree <= emitted
    stories = {s["gid"] for run in (first, second) for s in run.records["stories"]}
    assert _stories_of(sandbox, tree) <= stories
    record = [t for t in second.records["tasks"] if t["gid"] == task["gid"]][-1]
    assert [p["gid"] for p in record["projects"]] == [target]
    assert record["project_gid"] == target


def test_subtask_moved_under_a_task_comes_with_its_stories(sandbox, monkeypatch) -> None:
    """`setParent` to a task in a project read already: the subtask's events name it, all of it comes."""
    order = _project_order(sandbox)
    home = next(t for t in sandbox.store.all("task") if t["projects"] and t["projects"][0]["gid"] == order[0])
    moving = next(
        t
        for t in sandbox.store.all("task")
        if len(t["projects"]) == 1
        and order.index(t["projects"][0]["gid"]) > 0
        and _stories_of(sandbox, {t["gid"]})
    )

    def reparent() -> None:
        response = sandbox.post(f"/tasks/{moving['gid']}/setParent", {"parent": home["gid"]})
        assert response.status_code == 200, response.text
        sandbox.post(f"/tasks/{moving['gid']}/removeProject", {"project": moving["projects"][0]["gid"]})

    config = tap_config(sandbox)
    _during_partition(monkeypatch, moving["projects"][0]["gid"], reparent)
    first = run_tap(config, streams=STREAMS)
    monkeypatch.undo()
    second = run_tap(config, streams=STREAMS, state=first.state)
    stories = {s["gid"] for run in (first, second) for s in run.records["stories"]}
    assert _stories_of(sandbox, {moving["gid"]}) <= stories
    parent = [t for t in second.records["tasks"] if t["gid"] == home["gid"]][-1]
    assert parent["num_subtasks"] == sandbox.store.get(home["gid"])["num_subtasks"]


def test_project_gid_is_the_tasks_own_first_project(sandbox) -> None:
    order = _project_order(sandbox)
    workspace = sandbox.store.get(order[0])["workspace"]["gid"]
    # First in the last project the tap reads, then in the first one: the first project read is not its first.
    body = {"name": "Two homes", "workspace": workspace, "projects": [order[-1], order[0]]}
    created = sandbox.post("/tasks", body)
    assert created.status_code == 201, created.text
    result = run_tap(tap_config(sandbox), streams=["tasks"])
    by_gid = {t["gid"]: t for t in result.records["tasks"]}
    assert by_gid[created.json()["data"]["gid"]]["project_gid"] == order[-1]
    for gid, record in by_gid.items():
        task = sandbox.store.get(gid)
        assert record["project_gid"] == (
            task["memberships"][0]["project"]["gid"] if task["memberships"] else None
        )


def test_unassigned_subtasks_and_deletion_of_a_task_in_no_project_are_found(sandbox) -> None:
    """No listing returns an unassigned subtask of a task in no project, and its parent's `modified_at` does
    not move: the task's own events name it. The same events tell the task was deleted."""
    someone = next(t["assignee"]["gid"] for t in sandbox.store.all("task") if t.get("assignee"))
    workspace = sandbox.store.get(someone)["workspaces"][0]["gid"]
    loose = sandbox.post("/tasks", {"name": "Errand", "workspace": workspace, "assignee": someone}).json()[
        "data"
    ]
    step = sandbox.post(f"/tasks/{loose['gid']}/subtasks", {"name": "Step 1"}).json()["data"]
    config = tap_config(sandbox)
    first = run_tap(config, streams=STREAMS)
    assert {loose["gid"], step["gid"]} <= set(first.gids("tasks"))

    deeper = sandbox.post(f"/tasks/{step['gid']}/subtasks", {"name": "Step 1a"}).json()["data"]
    assert sandbox.put(f"/tasks/{step['gid']}", {"name": "Step 1, renamed"}).status_code == 200
    comment = sandbox.post(f"/tasks/{step['gid']}/stories", {"text": "Done?"}).json()["data"]
    second = run_tap(config, streams=STREAMS, state=first.state)
    by_gid = {t["gid"]: t for t in second.records["tasks"]}
    assert deeper["gid"] in by_gid
    assert by_gid[step["gid"]]["name"] == "Step 1, renamed"
    assert by_gid[step["gid"]]["num_subtasks"] == 1
    assert comment["gid"] in {s["gid"] for s in second.records["stories"]}

    assert sandbox.delete(f"/tasks/{loose['gid']}").status_code == 200
    third = run_tap(config, streams=["tasks"], state=second.state)
    tombstones = {t["gid"] for t in third.records["tasks"] if t.get("_sdc_deleted_at")}
    assert loose["gid"] in tombstones


def test_task_moved_out_of_its_projects_keeps_being_followed(sandbox) -> None:
    """Project -> no project: the project's events name it once; then its own events keep its subtasks."""
    task = next(t for t in sandbox.store.all("task") if len(t["projects"]) == 1 and t.get("assignee"))
    config = tap_config(sandbox)
    first = run_tap(config, streams=["tasks"])
    removed = sandbox.post(f"/tasks/{task['gid']}/removeProject", {"project": task["projects"][0]["gid"]})
    assert removed.status_code == 200
    second = run_tap(config, streams=["tasks"], state=first.state)
    assert [t["projects"] for t in second.records["tasks"] if t["gid"] == task["gid"]] == [[]]

    sub = sandbox.post(f"/tasks/{task['gid']}/subtasks", {"name": "Follow-up"}).json()["data"]
    third = run_tap(config, streams=["tasks"], state=second.state)
    assert sub["gid"] in third.gids("tasks")
