"""Incremental runs: after the sandbox's mutation step exactly the changed tasks and new stories come back;
an interrupted run resumes from the partitions it completed."""

from __future__ import annotations

import pytest

from tap_asana.streams.tasks import DELETED_AT, SYNC_TOKEN_KEY, TasksStream
from tests.tap.tap_runner import run_tap, tap_config

STREAMS = ["tasks", "stories"]


def _task_stories(result) -> set[str]:
    return {s["gid"] for s in result.records["stories"] if s.get("task_gid")}


@pytest.mark.parametrize("seed", [7, 2])
def test_incremental_after_mutation_reemits_exactly_what_changed(sandbox, seed) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams=STREAMS)
    mutation = sandbox.control("mutate", {"fraction": 0.1, "seed": seed})
    assert mutation["moved"] and mutation["created_subtasks"]  # the cases modified_since cannot see

    second = run_tap(config, streams=STREAMS, state=first.state)

    tasks = second.gids("tasks")
    # Once each, but a moved task may come twice: read with the project it left (which cannot tell where it
    # went), then again, with all its children, by the project it arrived in.
    assert {gid for gid in tasks if tasks.count(gid) > 1} <= set(mutation["moved"])
    live = {t["gid"]: t for t in second.records["tasks"] if DELETED_AT not in t}
    # A moved task keeps its modified_at (so the sandbox does not count it in changed_tasks), but its
    # `projects` and `memberships` changed: it must be re-emitted, and it is found through the events. Nothing
    # tells which of its subtasks and stories an earlier run read (it may come from a project not read yet):
    # they come again. The parent of a new subtask comes again for its `num_subtasks`.
    # (A task that only lost one of several projects is read again, not its tree; one that left every project
    # is followed from then on, its tree read once.)
    was = {t["gid"]: {p["gid"] for p in t["projects"]} for t in first.records["tasks"]}
    moved_trees = set(mutation["moved"]) | {
        gid
        for moved in mutation["moved"]
        if (now := {p["gid"] for p in sandbox.store.get(moved)["projects"]}) - was[moved] or not now
        for gid in _subtree(sandbox, moved)
    }
    parents = {_parent(sandbox, gid) for gid in mutation["created_subtasks"]} - {None}
    assert set(live) == set(mutation["changed_tasks"]) | moved_trees | parents
    for gid in parents:
        assert live[gid]["num_subtasks"] == sandbox.store.get(gid)["num_subtasks"]
    stories = {s["gid"]: s["task_gid"] for s in second.records["stories"] if s.get("task_gid")}
    assert set(mutation["new_stories"]) <= set(stories)
    # Older stories come again only for tasks that may not have been read with them: moved ones, changed
    # tasks in no project (their listing is per assignee, and the last run may have read them elsewhere), and
    # every task the events name (when the last run read its stories is not known: at-least-once). A task
    # that did not change does not bring its stories again.
    loose = {
        gid
        for changed in mutation["changed_tasks"]
        if sandbox.store.get(changed) and not _root_projects(sandbox, sandbox.store.get(changed))
        for gid in _subtree(sandbox, changed)
    }
    again = {task for gid, task in stories.items() if gid not in mutation["new_stories"]}
    assert again <= moved_trees | loose | set(mutation["changed_tasks"]) | parents
    assert again  # the changed tasks' older stories did come again

    # Deleted tasks come back as tombstones, found through their projects' events: every deleted task
    # the first run read from a project (a task only in someone's My Tasks has no project events).
    assert mutation["deleted"]
    in_projects = {t["gid"] for t in first.records["tasks"] if _root_projects(sandbox, t, first)}
    tombstones = {t["gid"]: t for t in second.records["tasks"] if DELETED_AT in t}
    assert tombstones and set(tombstones) == set(mutation["deleted"]) & in_projects
    for tombstone in tombstones.values():
        assert tombstone[DELETED_AT] == tombstone["modified_at"] and tombstone[DELETED_AT].endswith("Z")
        assert tombstone["project_gid"] is None and tombstone["workspace_gid"]
    # Nothing is read below a tombstone: its stories are gone with it.
    assert not {s.get("task_gid") for s in second.records["stories"]} & set(tombstones)


def test_nothing_changed_nothing_reemitted(sandbox) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams=["tasks"])
    second = run_tap(config, streams=STREAMS, state=first.state)
    assert second.gids("tasks") == []
    assert _task_stories(second) == set()
    by_route = sandbox.control("stats")["requests"]["by_route"]
    assert "GET /tasks/{task_gid}/subtasks" in by_route  # walked on the first run only, so:
    assert by_route["GET /tasks/{task_gid}/subtasks"] == sum(
        1 for t in sandbox.store.all("task") if t.get("num_subtasks")
    )


def test_bookmarks_are_tz_aware_per_project_partition_with_a_sync_token(sandbox) -> None:
    result = run_tap(tap_config(sandbox), streams=["tasks"])
    partitions = result.state["bookmarks"]["tasks"]["partitions"]
    projects = {p["gid"] for p in sandbox.store.all("project")}
    by_project = {p["context"]["project_gid"]: p for p in partitions if "project_gid" in p["context"]}
    assert set(by_project) == projects
    for partition in by_project.values():
        assert set(partition["context"]) == {"workspace_gid", "project_gid"}
        assert partition[SYNC_TOKEN_KEY]
        assert partition["replication_key_value"].endswith(("Z", "+00:00"))
        assert "progress_markers" not in partition


def test_expired_sync_token_rereads_the_project(sandbox) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams=["tasks"])
    state = first.state
    partition = next(p for p in state["bookmarks"]["tasks"]["partitions"] if "project_gid" in p["context"])
    partition[SYNC_TOKEN_KEY] = "expired-token"
    project = partition["context"]["project_gid"]
    second = run_tap(config, streams=["tasks"], state=state)
    expected = {t["gid"] for t in sandbox.store.all("task") if project in {p["gid"] for p in t["projects"]}}
    assert expected <= set(second.gids("tasks"))


def test_interrupted_run_resumes_from_completed_partitions(sandbox, monkeypatch) -> None:
    config = tap_config(sandbox)
    original = TasksStream.get_records
    seen: list[str] = []

    def crash_on_fourth_project(self, context):
        if context and context.get("project_gid"):
            seen.append(context["project_gid"])
            if len(seen) == 4:
                raise RuntimeError("simulated crash")
        yield from original(self, context)

    monkeypatch.setattr(TasksStream, "get_records", crash_on_fourth_project)
    first = run_tap(config, streams=STREAMS, raise_errors=False)
    monkeypatch.setattr(TasksStream, "get_records", original)
    assert isinstance(first.error, RuntimeError)
    completed = {
        p["context"]["project_gid"]
        for p in first.state["bookmarks"]["tasks"]["partitions"]
        if p.get("replication_key_value") and "project_gid" in p["context"]
    }
    assert completed == set(seen[:3])

    second = run_tap(config, streams=STREAMS, state=first.state)

    every_task = {t["gid"] for t in sandbox.store.all("task")}
    assert set(first.gids("tasks")) | set(second.gids("tasks")) == every_task
    # Tasks only reachable through the completed partitions are not read again. (A task also in an
    # unfinished project is read again with that project, and an assigned subtask with its assignee's
    # partition, whose listing cannot tell a subtask in a project from one in none: at-least-once.)
    done_before = {
        t["gid"]
        for t in sandbox.store.all("task")
        if (roots := set(_root_projects(sandbox, t)))
        and roots <= completed
        and not _under_an_assigned_subtask(sandbox, t)
    }
    assert done_before and not done_before & set(second.gids("tasks"))
    every_story = {s["gid"] for s in sandbox.store.all("story") if s["target"]["resource_type"] == "task"}
    assert _task_stories(first) | _task_stories(second) == every_story


def _under_an_assigned_subtask(sandbox, task: dict) -> bool:
    """Whether the task or an ancestor is a subtask with an assignee (and so in a user's listing)."""
    while task.get("parent"):
        if task.get("assignee"):
            return True
        task = sandbox.store.get(task["parent"]["gid"])
    return False


def _root_projects(sandbox, task: dict, result=None) -> list[str]:
    """The projects of the task's top-level ancestor (as the sandbox has it, else as `result` emitted it)."""
    emitted = {t["gid"]: t for t in result.records["tasks"]} if result else {}
    while task.get("parent"):
        gid = task["parent"]["gid"]
        task = sandbox.store.get(gid) or emitted[gid]
    return [p["gid"] for p in task["projects"]]


def _subtree(sandbox, gid: str) -> set[str]:
    """The task and its subtasks at every depth, as the sandbox has them now."""
    out, todo = set(), [gid]
    while todo:
        out.add(current := todo.pop())
        todo += [t["gid"] for t in sandbox.store.all("task") if (t.get("parent") or {}).get("gid") == current]
    return out


def _parent(sandbox, gid: str) -> str | None:
    task = sandbox.store.get(gid)
    return (task.get("parent") or {}).get("gid") if task else None


def test_new_and_edited_subtasks_of_a_task_in_no_project_are_found(sandbox) -> None:
    # No project events name them and their parent's modified_at does not move: only the assignee's listing
    # (`GET /tasks?assignee=&workspace=&modified_since=`) returns them.
    someone = next(t["assignee"]["gid"] for t in sandbox.store.all("task") if t.get("assignee"))
    workspace = sandbox.store.get(someone)["workspaces"][0]["gid"]
    loose = sandbox.post("/tasks", {"name": "Errand", "workspace": workspace, "assignee": someone}).json()[
        "data"
    ]
    old = sandbox.post(f"/tasks/{loose['gid']}/subtasks", {"name": "Step 1", "assignee": someone}).json()[
        "data"
    ]
    config = tap_config(sandbox)
    first = run_tap(config, streams=["tasks"])
    assert {loose["gid"], old["gid"]} <= set(first.gids("tasks"))

    created = sandbox.post(f"/tasks/{loose['gid']}/subtasks", {"name": "Step 2", "assignee": someone})
    assert created.status_code == 201, created.text
    assert sandbox.put(f"/tasks/{old['gid']}", {"name": "Step 1, renamed"}).status_code == 200

    second = run_tap(config, streams=["tasks"], state=first.state)
    by_gid = {t["gid"]: t for t in second.records["tasks"]}
    assert created.json()["data"]["gid"] in by_gid
    assert by_gid[old["gid"]]["name"] == "Step 1, renamed"


def _task_listings(sandbox, config, state) -> tuple[int, object]:
    sandbox.control("reset", {})
    result = run_tap(config, streams=["tasks"], state=state)
    return sandbox.control("stats")["requests"]["by_route"].get("GET /tasks", 0), result


def test_a_project_whose_events_name_no_task_is_not_listed(sandbox) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams=["tasks"])
    projects = [
        p["context"]["project_gid"]
        for p in first.state["bookmarks"]["tasks"]["partitions"]
        if p["context"].get("project_gid") and p.get("replication_key_value")
    ]
    assert len(projects) > 3
    listed_always, _ = _task_listings(sandbox, {**config, "change_signals": False}, first.state)
    quiet, nothing = _task_listings(sandbox, config, first.state)
    assert listed_always - quiet == len(projects)  # only the assignee listings remain
    assert nothing.gids("tasks") == []
    # One task renamed: its project's listing is read again, and the task comes.
    task = next(t for t in sandbox.store.all("task") if t["projects"] and t["projects"][0]["gid"] in projects)
    assert sandbox.put(f"/tasks/{task['gid']}", {"name": "Renamed while the tap slept"}).status_code == 200
    one, result = _task_listings(sandbox, config, first.state)
    assert one == quiet + len({p["gid"] for p in sandbox.store.get(task["gid"])["projects"]} & set(projects))
    assert task["gid"] in result.gids("tasks")
