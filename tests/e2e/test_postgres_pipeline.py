"""`meltano run tap-asana target-postgres` into a real PostgreSQL server, then the dbt models on it."""

from __future__ import annotations

import pipeline
import pytest
import requests

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer
from tests.e2e import expectations, histories
from tests.e2e.store_streams import expected_counts

pytestmark = pytest.mark.e2e

RAW = pipeline.RAW_SCHEMA
MODELS = pipeline.MODEL_SCHEMA


def table_counts(pg, schema: str) -> dict[str, int]:
    tables = [r[0] for r in pg.psql(
        f"select table_name from information_schema.tables where table_schema = '{schema}' "
        "and table_type = 'BASE TABLE' order by 1"
    )]  # fmt: skip
    if not tables:
        return {}
    rows = pg.psql(" union all ".join(f"select '{t}', count(*) from {schema}.\"{t}\"" for t in tables))
    return {name: int(n) for name, n in rows}


def test_meltano_run_into_postgres(meltano_run, postgres):
    server = SandboxServer("demo", port=0, requests_per_minute=1_000_000).start()
    try:
        env = {**pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN), **postgres.target_env()}
        expected = {k: v for k, v in expected_counts(server.store).items() if v}

        meltano_run("run", "tap-asana", "target-postgres", **env)
        counts = table_counts(postgres, RAW)
        assert counts == expected, {
            k: (counts.get(k), expected.get(k))
            for k in set(counts) | set(expected)
            if counts.get(k) != expected.get(k)
        }
        assert postgres.psql(f"select count(*) from {RAW}.tasks where _sdc_deleted_at is not null") == [["0"]]

        # A day of work (edits, comments, new tasks, deletions: seed 31 deletes tasks and subtasks in
        # projects), then the incremental run.
        before = {t["gid"] for t in server.store.all("task")}
        extracted = {gid for (gid,) in postgres.psql(f"select gid from {RAW}.tasks")}
        changes = requests.post(
            f"{server.root_url}/_sandbox/mutate", json={"fraction": 0.05, "seed": 31}, timeout=60
        ).json()
        after = {t["gid"] for t in server.store.all("task")}
        deleted, created = before - after, after - before
        assert deleted, f"the mutation deleted no task: {changes}"
        # And someone deletes a tag (a full-table stream) in Asana.
        deleted_tag = server.store.all("tag")[0]["gid"]
        server.store.delete(deleted_tag)
        meltano_run("run", "tap-asana", "target-postgres", **env)

        rows = dict(postgres.psql(f"select gid, coalesce(_sdc_deleted_at::text, '') from {RAW}.tasks"))
        assert created <= set(rows), "tasks created since the first run are missing"
        # Upserts on the primary key: the incremental run adds no duplicate rows.
        assert len(rows) == int(postgres.psql(f"select count(*) from {RAW}.tasks")[0][0])
        # Deleted tasks: the tap emits a tombstone for each task its projects' events (or, in no project,
        # its own events) say was deleted, and the loader soft-deletes the row (`_sdc_deleted_at`).
        # Full-table streams end with ACTIVATE_VERSION
        # (emit_activate_version_messages): a row that disappeared from Asana gets `_sdc_deleted_at`.
        soft_deleted = {gid for gid, flag in rows.items() if flag}
        assert deleted & extracted, f"the mutation deleted no task: {changes}"
        assert soft_deleted == deleted & extracted
        tags = dict(postgres.psql(f"select gid, coalesce(_sdc_deleted_at::text, '') from {RAW}.tags"))
        assert tags[deleted_tag], "the deleted tag is not soft-deleted (_sdc_deleted_at)"
        assert [gid for gid, flag in tags.items() if flag] == [deleted_tag]

        meltano_run("run", "dbt-postgres:build", **env)
        want = expectations.from_store(server.store)
        model_tasks = int(postgres.psql(f"select count(*) from {MODELS}.asana__task")[0][0])
        assert model_tasks == len(rows) - len(soft_deleted)
        project_task = {
            tuple(r) for r in postgres.psql(f"select project_gid, task_gid from {MODELS}.asana__project_task")
        }
        assert {pt for pt in want.project_task if pt[1] not in deleted} <= project_task
        minutes = int(
            postgres.psql(f"select coalesce(sum(minutes), 0) from {MODELS}.asana__time_tracking")[0][0]
        )
        assert minutes == want.minutes_tracked
        # The status history after a day of work (edits complete and reopen tasks): the same on PostgreSQL.
        spells: dict[str, list[str]] = {}
        for gid, status in postgres.psql(
            f"select task_gid, status from {MODELS}.asana__task_status_history "
            "order by task_gid, spell_number"
        ):
            spells.setdefault(gid, []).append(status)
        assert spells == histories.status_spells(server.store)
        stays = postgres.psql(
            f"select count(*), count(distinct task_gid) from {MODELS}.asana__task_section_history "
            "where is_current"
        )
        assert int(stays[0][0]) == len(project_task) and int(stays[0][1]) == len({t for _, t in project_task})
    finally:
        server.stop()
