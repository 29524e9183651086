"""`mutate` changes tasks the way Asana would record it: modified_at rules, deletions, events."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from asana_sandbox.datasets import load_dataset
from asana_sandbox.mutate import mutate
from asana_sandbox.store import Store

NOW = "2026-07-01T09:30:00.000Z"


@pytest.fixture(scope="module")
def demo_records() -> list[dict[str, Any]]:
    return load_dataset("demo")


@pytest.fixture
def store(demo_records: list[dict[str, Any]]) -> Store:
    return Store(copy.deepcopy(demo_records))


def snapshot(store: Store) -> dict[str, dict[str, Any]]:
    return {t["gid"]: copy.deepcopy(t) for t in store.all("task")}


def test_about_the_requested_fraction_of_tasks_changes(store: Store) -> None:
    total = len(store.all("task"))
    result = mutate(store, 0.2, random.Random(1), now=NOW)
    touched = {
        *result["edited"],
        *result["commented"],
        *result["moved"],
        *result["deleted"],
        *result["created"],
        *result["created_subtasks"],
    }
    assert result["fraction"] == 0.2
    assert 0.1 * total <= len(touched) <= 0.35 * total


def test_same_rng_gives_the_same_changes(demo_records: list[dict[str, Any]]) -> None:
    runs = []
    for _ in range(2):
        store = Store(copy.deepcopy(demo_records))
        result = mutate(store, 0.3, random.Random(5), now=NOW)
        runs.append(json.dumps([result, store.all("task"), store.all("story")], sort_keys=True))
    assert runs[0] == runs[1]


def test_modified_at_follows_asanas_rules(store: Store) -> None:
    before = snapshot(store)
    result = mutate(store, 0.5, random.Random(2), now=NOW)
    assert result["moved"] and result["commented"] and result["edited"] and result["created_subtasks"]
    for gid in result["moved"]:
        task = store.get(gid, "task")
        assert task is not None
        if gid not in result["changed_tasks"]:  # moved and nothing else: modified_at stays
            assert task["modified_at"] == before[gid]["modified_at"]
        assert task["projects"] != before[gid]["projects"]
        assert [m["project"]["gid"] for m in task["memberships"]] == [p["gid"] for p in task["projects"]]
    for gid in [*result["commented"], *result["edited"]]:
        assert store.get(gid, "task")["modified_at"] == NOW  # type: ignore[index]
    for gid in result["created_subtasks"]:
        subtask = store.get(gid, "task")
        assert subtask is not None and subtask["created_at"] == subtask["modified_at"] == NOW
        parent_gid = subtask["parent"]["gid"]
        parent = store.get(parent_gid, "task")
        if parent is not None and parent_gid not in result["changed_tasks"]:
            assert parent["modified_at"] == before[parent_gid]["modified_at"]
        assert parent is None or parent["num_subtasks"] == len(store.related("task", "parent", parent_gid))
    changed = {
        g for g, t in before.items() if store.get(g) and store.get(g)["modified_at"] != t["modified_at"]
    }  # type: ignore[index]
    assert changed == {g for g in result["changed_tasks"] if g in before}


def test_a_moved_task_keeps_modified_at(store: Store) -> None:
    for seed in range(50):
        before = snapshot(store)
        result = mutate(store, 0.05, random.Random(seed), now=NOW)
        only_moved = [g for g in result["moved"] if g not in result["changed_tasks"]]
        if only_moved:
            task = store.get(only_moved[0], "task")
            assert task["modified_at"] == before[task["gid"]]["modified_at"]  # type: ignore[index]
            assert task["projects"] != before[task["gid"]]["projects"]  # type: ignore[index]
            return
    pytest.fail("no run moved a task")


def test_edits_and_comments_add_stories_on_the_task(store: Store) -> None:
    result = mutate(store, 0.3, random.Random(3), now=NOW)
    new = [store.get(g, "story") for g in result["new_stories"]]
    assert all(s is not None and s["created_at"] == NOW for s in new)
    targets = {s["target"]["gid"] for s in new if s}
    assert set(result["commented"]) <= targets
    assert set(result["edited"]) <= targets
    assert any(s["type"] == "system" for s in new if s)
    assert any(s["resource_subtype"] == "comment_added" for s in new if s)


def test_deleted_tasks_and_their_subtasks_are_gone(store: Store) -> None:
    result = mutate(store, 0.5, random.Random(4), now=NOW)
    assert result["deleted"]
    for gid in result["deleted"]:
        assert store.get(gid) is None
    gone = set(result["deleted"])
    for task in store.all("task"):
        assert task["parent"] is None or store.get(task["parent"]["gid"], "task") is not None
        assert not {d["gid"] for d in task["dependencies"] + task["dependents"]} & gone
    assert not [s for s in store.all("story") if s["target"]["gid"] in gone]
    assert not gone & set(result["changed_tasks"])


def test_every_change_emits_an_event(store: Store) -> None:
    result = mutate(store, 0.4, random.Random(6), now=NOW)
    events = [(event, scopes) for _, event, scopes in store.events]
    by_resource: dict[str, set[str]] = {}
    for event, _ in events:
        by_resource.setdefault(event["resource"]["gid"], set()).add(event["action"])
    for gid in result["deleted"]:
        assert "deleted" in by_resource[gid]
    for gid in result["created"] + result["created_subtasks"] + result["new_stories"]:
        assert "added" in by_resource[gid]
    for gid in result["moved"]:
        assert {"added", "removed"} & by_resource[gid]  # one or both, by the direction of the move
    for gid in result["attached"]:
        assert "added" in by_resource[gid]
    for gid in result["edited"]:
        assert "changed" in by_resource[gid]
    changes = [e for e, _ in events if e["action"] == "changed"]
    assert all(e["change"]["action"] == "changed" and e["change"]["field"] for e in changes)
    for event, scopes in events:
        assert event["created_at"] == NOW
        if event["resource"]["resource_type"] == "task" and event["action"] != "deleted":
            task = store.get(event["resource"]["gid"], "task")
            if task is not None:
                assert task["workspace"]["gid"] in scopes


def test_new_subtask_events_bubble_to_the_parent_chain(store: Store) -> None:
    result = mutate(store, 0.5, random.Random(8), now=NOW)
    gid = result["created_subtasks"][0]
    subtask = store.get(gid, "task")
    assert subtask is not None
    added = [(e, s) for _, e, s in store.events if e["resource"]["gid"] == gid and e["action"] == "added"]
    event, scopes = added[0]
    assert event["parent"]["gid"] == subtask["parent"]["gid"]
    assert subtask["parent"]["gid"] in scopes


def test_fraction_must_be_in_range(store: Store) -> None:
    with pytest.raises(ValueError, match="fraction"):
        mutate(store, 0, random.Random(1))


def test_moves_go_through_the_task_model_into_a_section_of_the_new_project(store: Store) -> None:
    before = snapshot(store)
    result = mutate(store, 0.5, random.Random(2), now=NOW)
    for gid in result["moved"]:
        task = store.get(gid, "task")
        if task is None:
            continue
        old_projects = {p["gid"] for p in before[gid]["projects"]}
        new = [m for m in task["memberships"] if m["project"]["gid"] not in old_projects]
        assert all(m.get("section") for m in new)
        for membership in new:
            section = store.get(membership["section"]["gid"], "section")
            assert section is not None and section["project"]["gid"] == membership["project"]["gid"]
        subtypes = {s["resource_subtype"] for s in store.related("story", "target", gid)}
        if new:
            assert "added_to_project" in subtypes
        if old_projects - {p["gid"] for p in task["projects"]}:
            assert "removed_from_project" in subtypes


def test_every_kind_of_change_happens(store: Store) -> None:
    """Moves in every direction, subtasks assigned or not under tasks in a project or in none and at depth,
    deletions of each kind of task, attachments: over a few runs, each one at least once."""
    seen: set[str] = set()
    for seed in range(6):
        before = snapshot(store)
        result = mutate(store, 0.3, random.Random(seed), now=NOW)
        for gid in result["moved"]:
            old, task = before[gid], store.get(gid, "task")
            if task is None:
                continue
            was, now = {p["gid"] for p in old["projects"]}, {p["gid"] for p in task["projects"]}
            seen.add(
                "project->none"
                if was and not now
                else "none->project"
                if now and not was
                else "home added"
                if was < now
                else "home removed"
                if now < was
                else "project->project"
            )
        for gid in result["created_subtasks"]:
            task = store.get(gid, "task")
            if task is None:
                continue
            parent = store.get(task["parent"]["gid"], "task") or {}
            seen.add("subtask, assigned" if task.get("assignee") else "subtask, unassigned")
            seen.add("subtask at depth" if parent.get("parent") else "subtask of a top-level task")
            if not parent.get("projects") and not parent.get("parent"):
                seen.add("subtask of a task in no project")
        for gid in result["deleted"]:
            old = before.get(gid)
            if old is not None:
                seen.add(
                    "deleted subtask"
                    if old.get("parent")
                    else "deleted, in a project"
                    if old["projects"]
                    else "deleted, in no project"
                )
        if result["attached"]:
            seen.add("attachment")
    assert seen >= {
        "project->project",
        "project->none",
        "none->project",
        "home added",
        "home removed",
        "subtask, assigned",
        "subtask, unassigned",
        "subtask at depth",
        "subtask of a task in no project",
        "deleted subtask",
        "deleted, in a project",
        "deleted, in no project",
        "attachment",
    }


def test_a_new_subtask_counts_on_its_parent_without_an_event_of_the_parents_own(store: Store) -> None:
    result = mutate(store, 0.5, random.Random(8), now=NOW)
    parents = {
        store.get(g, "task")["parent"]["gid"] for g in result["created_subtasks"] if store.get(g, "task")
    }
    changed = {e["resource"]["gid"] for _, e, _s in store.events if e["action"] == "changed"}
    assert parents and not (parents - set(result["changed_tasks"])) & changed


def test_edits_write_the_models_system_stories(store: Store) -> None:
    result = mutate(store, 0.5, random.Random(3), now=NOW)
    subtypes = {s["resource_subtype"] for g in result["new_stories"] if (s := store.get(g, "story"))}
    assert {"comment_added", "name_changed", "assigned"} <= subtypes
    assert any(kind.endswith("_custom_field_changed") for kind in subtypes)
    comment = next(s for g in result["new_stories"] if (s := store.get(g, "story"))["type"] == "comment")
    assert comment["source"] == "api" and comment["html_text"] == f"<body>{comment['text']}</body>"


def test_custom_ids_are_never_edited_and_values_show_as_the_api_shows_them(store: Store) -> None:
    before = snapshot(store)
    result = mutate(store, 0.5, random.Random(9), now=NOW)
    read_only = {c["gid"] for c in store.all("custom_field") if c.get("is_value_read_only")}
    for gid in result["edited"]:
        task = store.get(gid, "task")
        if task is None or gid not in before:
            continue
        kept = {e["gid"]: e for e in before[gid]["custom_fields"] if e["gid"] in read_only}
        assert {e["gid"]: e for e in task["custom_fields"] if e["gid"] in read_only} == kept
        for entry in task["custom_fields"]:
            if entry["type"] == "number" and entry.get("number_value") is not None:
                precision = store.get(entry["gid"], "custom_field")["precision"]
                assert entry["display_value"] == f"{entry['number_value']:.{precision}f}"
