"""`meltano run tap-asana target-duckdb` against the sandbox: exact row counts, models, incremental state."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pipeline
import pytest
import requests

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer, build_app
from tests.e2e import expectations, histories
from tests.e2e.store_streams import expected_counts, singer_messages, stored_counts

pytestmark = pytest.mark.e2e

RAW = pipeline.RAW_SCHEMA
MODELS = pipeline.MODEL_SCHEMA


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def test_target_duckdb_keeps_every_row_of_a_handwritten_stream(meltano_run):
    """The loader alone, no tap: one row per object (target-duckdb 0.8 with duckdb >= 1.3 drops one)."""
    store = build_app("demo").store
    meltano_run("invoke", "target-duckdb", stdin="\n".join(singer_messages(store)) + "\n")

    assert pipeline.row_counts(RAW, meltano_run.duckdb_path) == nonzero(stored_counts(store))


def test_meltano_run_into_duckdb_is_exact_then_incremental(meltano_run):
    server = SandboxServer("demo", port=0, requests_per_minute=1_000_000).start()
    try:
        env = pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN)
        board = work_the_board(server)  # moves and reopenings, for the history models
        expected = nonzero(expected_counts(server.store))

        meltano_run("run", "tap-asana", "target-duckdb", **env)
        counts = pipeline.row_counts(RAW, meltano_run.duckdb_path)
        assert counts == expected, f"rows per table differ from the sandbox: {diff(counts, expected)}"

        meltano_run("run", "dbt-duckdb:build", **env)
        check_models(meltano_run.duckdb_path, server)
        check_histories(meltano_run.duckdb_path, server, board)
        # The README's commands: the docs site builds, and the sources just loaded are fresh.
        meltano_run("invoke", "dbt-duckdb:docs-generate", **env)
        assert (meltano_run.workdir / "dbt-target" / "catalog.json").is_file()
        assert "PASS" in meltano_run("invoke", "dbt-duckdb:freshness", **env).stdout

        state = json.loads(meltano_run("state", "get", "sandbox:tap-asana-to-target-duckdb").stdout)
        assert state["singer_state"]["bookmarks"]["tasks"], "no tasks bookmark saved by Meltano"

        # A day of work in Asana, then the scheduled run again: only what changed is extracted.
        before = {gid for gid in (t["gid"] for t in server.store.all("task"))}
        extracted = task_gids(meltano_run.duckdb_path, "true")
        changed = server_mutate(server)
        # And someone deletes a tag through the API: workspace events report it (tap_asana/deletions.py).
        deleted_tag = server.store.all("tag")[0]["gid"]
        auth = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
        assert requests.delete(f"{server.base_url}/tags/{deleted_tag}", headers=auth, timeout=30).ok
        second_started = datetime.now(timezone.utc).replace(tzinfo=None)
        meltano_run("run", "tap-asana", "target-duckdb", **env)
        loaded = loaded_since(meltano_run.duckdb_path, "tasks", second_started)
        after = {t["gid"] for t in server.store.all("task")}
        assert after - before <= loaded, "tasks created in Asana since the last run were not loaded"
        assert 0 < len(loaded) < len(after) / 2, (
            f"second run re-extracted {len(loaded)} tasks: not incremental"
        )
        assert set(changed["changed_tasks"]) <= loaded | (before - after)
        # Tasks deleted from a project come back as tombstones: the row is flagged, and the models drop it.
        # (Found through project events, or, for a task in no project, through its own events.)
        deleted = (before - after) & extracted
        assert deleted, f"the mutation deleted no task: {changed}"
        assert task_gids(meltano_run.duckdb_path, "_sdc_deleted_at is not null") == deleted
        query = f"select gid from {RAW}.tags where _sdc_deleted_at is not null"
        tags = pipeline.duckdb_queries([query], meltano_run.duckdb_path)[0]
        assert {r["gid"] for r in tags} == {deleted_tag}, "the deleted tag is not soft-deleted"
    finally:
        server.stop()


def task_gids(db, where: str) -> set[str]:
    """gids of the loaded tasks matching a SQL condition."""
    rows = pipeline.duckdb_queries([f"select gid from {RAW}.tasks where {where}"], db)[0]
    return {r["gid"] for r in rows}


def diff(actual: dict[str, int], expected: dict[str, int]) -> dict[str, tuple[int | None, int | None]]:
    return {
        k: (actual.get(k), expected.get(k))
        for k in sorted(set(actual) | set(expected))
        if actual.get(k) != expected.get(k)
    }


def server_mutate(server: SandboxServer) -> dict:
    response = requests.post(
        f"{server.root_url}/_sandbox/mutate", json={"fraction": 0.05, "seed": 3}, timeout=60
    )
    response.raise_for_status()
    return response.json()


def loaded_since(db, table: str, since: datetime) -> set[str]:
    rows = pipeline.duckdb_queries(
        [f"select gid from {RAW}.{table} where _sdc_batched_at >= '{since:%Y-%m-%d %H:%M:%S}'"], db
    )[0]
    return {r["gid"] for r in rows}


def check_models(db, server: SandboxServer) -> None:
    """The models say what the sandbox's objects say, computed independently here."""
    want = expectations.from_store(server.store)
    got = pipeline.duckdb_queries(
        [
            f"select count(*) as n from {MODELS}.asana__task",
            f"select project_gid, task_gid from {MODELS}.asana__project_task",
            f"select task_gid, tag_gid from {MODELS}.asana__task_tag",
            f"select task_gid, user_gid from {MODELS}.asana__task_follower",
            f"select task_gid, section_gid from {MODELS}.asana__task_section",
            f"select project_name, count(*) as n from {MODELS}.asana__overdue_task group by 1",
            f"select sum(created_count) as created, sum(completed_count) as completed "
            f"from {MODELS}.asana__weekly_throughput",
            f"select coalesce(sum(minutes), 0) as minutes from {MODELS}.asana__time_tracking",
            f"select goal_name, progress_pct from {MODELS}.asana__goal",
            f"select count(*) as n from {MODELS}.asana__task_history",
            f"select task_gid, comment_count, follower_count, assignment_count from {MODELS}.asana__task",
            f"select column_name, data_type from information_schema.columns where table_schema = '{MODELS}' "
            "and table_name = 'asana__task' and column_name like 'custom%'",
        ],
        db,
    )
    assert int(got[0][0]["n"]) == want.tasks
    assert {(r["project_gid"], r["task_gid"]) for r in got[1]} == want.project_task
    assert {(r["task_gid"], r["tag_gid"]) for r in got[2]} == want.task_tag
    assert {(r["task_gid"], r["user_gid"]) for r in got[3]} == want.task_follower
    assert {(r["task_gid"], r["section_gid"]) for r in got[4]} == want.task_section
    assert {r["project_name"]: int(r["n"]) for r in got[5]} == want.overdue_by_project
    assert (int(got[6][0]["created"]), int(got[6][0]["completed"])) == (want.tasks, want.completed_with_date)
    assert int(float(got[7][0]["minutes"])) == want.minutes_tracked
    assert {r["goal_name"]: _float(r["progress_pct"]) for r in got[8]} == want.goal_progress
    assert int(got[9][0]["n"]) == want.stories_on_tasks
    columns = ("comment_count", "follower_count", "assignment_count")
    measures = {r["task_gid"]: tuple(int(r[c]) for c in columns) for r in got[10]}
    assert measures == {gid: measures_of(server.store, gid) for gid in measures}
    assert {r["column_name"]: r["data_type"] for r in got[11]} == custom_columns(server.store)


def custom_columns(store) -> dict[str, str]:
    """asana__task's custom_* columns: one per field name (fields of one name and kind share it, across
    workspaces), typed by kind."""
    kinds: dict[str, set[str]] = {}
    for field in store.all("custom_field"):
        slug = re.sub("[^a-z0-9]+", "_", field["name"].lower()).strip("_")
        kinds.setdefault(slug, set()).add(field.get("resource_subtype") or field["type"])
    types = {"number": "DOUBLE", "date": "DATE"}
    return {
        f"custom_{slug}" + ("" if len(found) == 1 else f"_{kind}"): types.get(kind, "VARCHAR")
        for slug, found in kinds.items()
        for kind in found
    }


def measures_of(store, task_gid: str) -> tuple[int, int, int]:
    """Comments, followers and assignments of a task, counted from the sandbox's objects."""
    stories = store.related("story", "target", task_gid)
    return (
        sum(1 for s in stories if s.get("resource_subtype") == "comment_added"),
        len({f["gid"] for f in store.get(task_gid).get("followers") or []}),
        sum(1 for s in stories if s.get("resource_subtype") == "assigned"),
    )


def _float(value: object) -> float | None:
    return None if value in (None, "None") else float(value)  # type: ignore[arg-type]


def work_the_board(server: SandboxServer) -> dict[str, str]:
    """Through the API: a task moved to another section of its project and back, a completed task reopened and
    an open one completed (the demo's stories have none of these)."""
    store, auth = server.store, {"Authorization": f"Bearer {DEFAULT_TOKEN}"}

    def call(method: str, path: str, data: dict) -> None:
        response = requests.request(
            method, f"{server.base_url}{path}", json={"data": data}, headers=auth, timeout=30
        )
        assert response.ok, response.text

    sections = {p["gid"]: store.related("section", "project", p["gid"]) for p in store.all("project")}
    moved = next(
        t
        for t in store.all("task")
        if not t.get("parent")
        and len(t.get("memberships") or []) == 1  # its project is asana__task's project_gid
        and t["memberships"][0].get("section")
        and len(sections[t["memberships"][0]["project"]["gid"]]) > 1
    )
    home = moved["memberships"][0]
    first = home["section"]["gid"]
    other = next(s["gid"] for s in sections[home["project"]["gid"]] if s["gid"] != first)
    call("POST", f"/sections/{other}/addTask", {"task": moved["gid"]})
    call("POST", f"/sections/{first}/addTask", {"task": moved["gid"]})
    reopened = next(t for t in store.all("task") if t.get("completed") and t["gid"] != moved["gid"])
    call("PUT", f"/tasks/{reopened['gid']}", {"completed": False})
    done = next(t for t in store.all("task") if not t.get("completed") and t["gid"] != moved["gid"])
    call("PUT", f"/tasks/{done['gid']}", {"completed": True})
    return {
        "moved": moved["gid"],
        "project": home["project"]["gid"],
        "sections": f"{first},{other},{first}",
        "reopened": reopened["gid"],
        "completed": done["gid"],
    }


def check_histories(db, server: SandboxServer, board: dict[str, str]) -> None:
    """asana__task_section_history and asana__task_status_history against the sandbox's stories."""
    got = pipeline.duckdb_queries(
        [
            f"select section_gid, entered_by, is_current from {MODELS}.asana__task_section_history "
            f"where task_gid = '{board['moved']}' and project_gid = '{board['project']}' "
            "order by stay_number",
            f"select entered_story_gid from {MODELS}.asana__task_section_history "
            "where entered_by = 'section_changed'",
            f"select task_gid, status, is_current from {MODELS}.asana__task_status_history "
            "order by task_gid, spell_number",
            f"select task_gid, reopened_count, section_entered_at from {MODELS}.asana__task "
            f"where task_gid in ('{board['moved']}', '{board['reopened']}')",
        ],
        db,
    )
    stays = got[0]
    assert ",".join(r["section_gid"] for r in stays[-3:]) == board["sections"]
    assert [r["entered_by"] for r in stays[-2:]] == ["section_changed", "section_changed"]
    assert [r["is_current"] for r in stays] == [False] * (len(stays) - 1) + [True]
    tasks = {t["gid"]: t for t in server.store.all("task")}
    stories = [s for s in server.store.all("story") if (s.get("target") or {}).get("gid") in tasks]
    moves = {s["gid"] for s in stories if s["resource_subtype"] == "section_changed"}
    assert {r["entered_story_gid"] for r in got[1]} == moves and len(moves) >= 2

    spells: dict[str, list[tuple[str, bool]]] = {}
    for row in got[2]:
        spells.setdefault(row["task_gid"], []).append((row["status"], row["is_current"]))
    assert set(spells) == set(tasks)
    want = histories.status_spells(server.store)
    assert {gid: [s for s, _ in rows] for gid, rows in spells.items()} == want
    assert all([c for _, c in rows] == [False] * (len(rows) - 1) + [True] for rows in spells.values())
    assert want[board["reopened"]][-2:] == ["completed", "open"]
    # asana__task carries the reopenings and since when the task is in its section (the last move back).
    task_rows = {r["task_gid"]: r for r in got[3]}
    assert task_rows[board["reopened"]]["reopened_count"] == sum(
        1
        for s in stories
        if s["target"]["gid"] == board["reopened"] and s["resource_subtype"] == "marked_incomplete"
    )
    last_move = max(
        s["created_at"] for s in stories if s["gid"] in moves and s["target"]["gid"] == board["moved"]
    )
    entered = datetime.fromisoformat(str(task_rows[board["moved"]]["section_entered_at"]))
    assert entered == datetime.fromisoformat(last_move.replace("Z", "+00:00")).replace(tzinfo=None)
    assert want[board["completed"]][-2:] == ["open", "completed"]
