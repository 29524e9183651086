"""Every kind of deletion made in Asana reaches DuckDB and PostgreSQL as a soft delete; the models drop it.

Per warehouse, once (a module fixture): a full `meltano run tap-asana target-*`, then one object of each kind
deleted through the sandbox's API (project, section, tag, comment, attachment, portfolio, goal, status update,
project, portfolio and team memberships, a task in no project), an incremental run and `dbt run`. Neither
loader is configured to hard-delete: both keep the row and fill `_sdc_deleted_at`. The cases below then read
what each one left: the deleted objects, what went with them (a project's sections, memberships and status
updates; a goal's relationships...), the rows nobody deleted, and the models.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pipeline
import pytest

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer
from tests.e2e.conftest import isolated_run
from tests.e2e.deletion_cases import delete_every_kind, hanging, prepare, snapshot
from tests.e2e.run_once import run_once
from tests.e2e.store_streams import STREAMS

pytestmark = pytest.mark.e2e

RAW = pipeline.RAW_SCHEMA
MODELS = pipeline.MODEL_SCHEMA
DIRECT = [
    "projects", "sections", "tags", "stories", "attachments", "portfolios", "goals", "status_updates",
    "project_memberships", "portfolio_memberships", "team_memberships", "tasks",
]  # fmt: skip
#: Streams whose rows go with a deleted object in these deletions (checked to be non-empty).
CASCADES = [
    "tasks", "sections", "stories", "status_updates", "project_memberships", "portfolio_memberships",
    "memberships", "goal_relationships", "allocations", "budgets", "rates", "portfolio_items",
    "custom_field_settings", "project_statuses", "project_portfolio_settings", "access_requests",
]  # fmt: skip
#: A model, the key column that must not name a deleted object, and the streams of those objects.
MODEL_KEYS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "asana__project": ("asana__project", "project_gid", ("projects",)),
    "asana__project_task": ("asana__project_task", "task_gid", ("tasks",)),
    "asana__task": ("asana__task", "task_gid", ("tasks",)),
    "asana__task_history": ("asana__task_history", "story_gid", ("stories",)),
    "asana__tag": ("asana__tag", "tag_gid", ("tags",)),
    "asana__goal": ("asana__goal", "goal_gid", ("goals",)),
    "asana__portfolio_status": ("asana__portfolio_status", "portfolio_gid", ("portfolios",)),
    "asana__portfolio_status.item": ("asana__portfolio_status", "item_gid", ("projects", "portfolios")),
    "stg_asana__sections": ("stg_asana__sections", "section_gid", ("sections",)),
    "stg_asana__status_updates": ("stg_asana__status_updates", "status_update_gid", ("status_updates",)),
}


@dataclass
class Warehouse:
    """A loader, its dbt command (`run`: the models; their tests run in the pipeline e2e tests), the
    environment they need and a way to query what they wrote."""

    name: str
    loader: str
    dbt: str
    env: dict[str, str]
    query: Callable[[str], list[tuple[str, ...]]]

    def raw(self) -> dict[str, dict[str, bool]]:
        """Per stream table: {row key: whether `_sdc_deleted_at` is set}."""
        tables = {r[0] for r in self.query(
            f"select table_name from information_schema.tables where table_schema = '{RAW}'"
        )}  # fmt: skip
        selects = [
            f"select '{stream}', {_key_sql(stream)}, "
            f"case when _sdc_deleted_at is null then 0 else 1 end from {RAW}.{stream}"
            for stream in STREAMS
            if stream in tables
        ]
        out: dict[str, dict[str, bool]] = {stream: {} for stream in STREAMS}
        for stream, key, flag in self.query(" union all ".join(selects)):
            out[stream][key] = str(flag) == "1"
        return out

    def deleted_at(self, doomed: dict[str, str]) -> dict[str, str]:
        """Per stream, the `_sdc_deleted_at` of the row of the object deleted in it (as text)."""
        selects = [
            f"select '{s}', cast(_sdc_deleted_at as varchar) from {RAW}.{s} where gid = '{gid}'"
            for s, gid in doomed.items()
        ]
        return {stream: at for stream, at in self.query(" union all ".join(selects))}

    def column(self, model: str, column: str) -> set[str]:
        return {r[0] for r in self.query(f"select distinct cast({column} as varchar) from {MODELS}.{model}")}


def _key_sql(stream: str) -> str:
    return "portfolio_gid || '/' || gid" if stream == "portfolio_items" else "gid"


def _duckdb(run: Any, request: pytest.FixtureRequest) -> Warehouse:
    def query(sql: str) -> list[tuple[str, ...]]:
        rows = pipeline.duckdb_queries([sql], run.duckdb_path)[0]
        return [tuple(str(v) for v in row.values()) for row in rows]

    return Warehouse("duckdb", "target-duckdb", "dbt-duckdb:run", {}, query)


def _postgres(run: Any, request: pytest.FixtureRequest) -> Warehouse:
    server = request.getfixturevalue("postgres")
    # A database of its own: the other PostgreSQL e2e tests share the session's server.
    mine = replace(server, database=f"deletions_{run.workdir.name.rsplit('-', 1)[-1]}")
    server.psql(f"create database {mine.database}")
    env = {**mine.target_env()}

    def query(sql: str) -> list[tuple[str, ...]]:
        return [tuple(r) for r in mine.psql(sql)]

    return Warehouse("postgres", "target-postgres", "dbt-postgres:run", env, query)


@dataclass
class Outcome:
    """What one warehouse holds after the full run, the deletions, the incremental run and `dbt run`."""

    warehouse: str
    doomed: dict[str, str]  # stream -> the gid deleted through the API
    loaded: dict[str, set[str]]  # stream -> row keys after the full run
    vanished: dict[str, set[str]]  # stream -> keys the API no longer shows (cascades included)
    silent: dict[str, set[str]]  # stream -> what hung on a deleted task (no event names it)
    rows: dict[str, dict[str, bool]]  # stream -> {key: soft-deleted} after the incremental run
    models: dict[str, set[str]]  # MODEL_KEYS case -> the keys its column shows
    tasks_left: int
    window: list[str]  # when the deletions started and ended (ISO, UTC)
    deleted_at: dict[str, str]  # stream -> the deleted object's `_sdc_deleted_at`, as the warehouse shows it

    def expected(self, stream: str) -> set[str]:
        """Rows that must be soft-deleted: loaded, gone from Asana, and named by Asana's events."""
        return (self.vanished[stream] & self.loaded[stream]) - self.silent.get(stream, set())

    def to_json(self) -> dict[str, Any]:
        return {
            key: {k: sorted(v) if isinstance(v, set) else v for k, v in value.items()}
            if isinstance(value, dict)
            else value
            for key, value in vars(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        sets = ("loaded", "vanished", "silent", "models")
        return cls(**{k: {s: set(v) for s, v in data[k].items()} if k in sets else data[k] for k in data})


def build_outcome(request: pytest.FixtureRequest, warehouse_of: Callable[..., Warehouse]) -> Outcome:
    """Full run, deletions through the API, incremental run, `dbt run`, then what the warehouse holds."""
    run = isolated_run(f"deletions-{warehouse_of.__name__.strip('_')}")
    warehouse = warehouse_of(run, request)
    server = SandboxServer("demo", port=0, requests_per_minute=1_000_000).start()
    try:
        env = {**pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN), **warehouse.env}
        prepared = prepare(server)
        run("run", "tap-asana", warehouse.loader, **env)
        first = warehouse.raw()
        early = {s: k for s, rows in first.items() for k, flag in rows.items() if flag}
        assert not early, f"soft-deleted after a full run: {early}"
        loaded = {stream: set(rows) for stream, rows in first.items()}

        before, on_tasks = snapshot(server), hanging(server)
        window = [_now()]
        doomed = delete_every_kind(server, prepared, loaded)
        window.append(_now())
        after = snapshot(server)
        vanished = {s: before[s] - after[s] for s in STREAMS}
        silent = {s: {g for g, task in on.items() if task in vanished["tasks"]} for s, on in on_tasks.items()}
        run("run", "tap-asana", warehouse.loader, **env)
        rows = warehouse.raw()
        deleted_at = warehouse.deleted_at(doomed)
        run("run", warehouse.dbt, **env)
        models = {case: warehouse.column(model, column) for case, (model, column, _) in MODEL_KEYS.items()}
        tasks_left = len(after["tasks"])
        return Outcome(
            warehouse.name, doomed, loaded, vanished, silent, rows, models, tasks_left, window, deleted_at
        )
    finally:
        server.stop()
        if not os.environ.get("KEEP_E2E_OUTPUT"):
            shutil.rmtree(run.workdir, ignore_errors=True)


@pytest.fixture(scope="module", params=[_duckdb, _postgres], ids=["duckdb", "postgres"])
def outcome(
    request: pytest.FixtureRequest, meltano_plugins: None, tmp_path_factory: pytest.TempPathFactory
) -> Outcome:
    """One set of runs per warehouse for all its cases, however pytest-xdist spreads them."""
    name = f"deletions-{request.param.__name__.strip('_')}"

    def build() -> dict[str, Any]:
        return build_outcome(request, request.param).to_json()

    return Outcome.from_json(run_once(name, build, tmp_path_factory))


@pytest.mark.parametrize("stream", DIRECT)
def test_a_deleted_object_keeps_its_row_with_sdc_deleted_at(outcome: Outcome, stream: str) -> None:
    gid = outcome.doomed[stream]
    assert gid in outcome.loaded[stream], f"the full run did not load {stream} {gid}"
    assert outcome.rows[stream].get(gid), f"{stream} {gid}: deleted in Asana, not soft-deleted"


@pytest.mark.parametrize("stream", DIRECT)
def test_sdc_deleted_at_is_when_the_object_was_deleted(outcome: Outcome, stream: str) -> None:
    """The time of the deletion (Asana's event), not of the load: within the deletions' window, give or
    take the second the warehouse's timestamp may be truncated to."""
    at = _parse(outcome.deleted_at[stream])
    start, end = (_parse(t) for t in outcome.window)
    assert start - timedelta(seconds=1) <= at <= end + timedelta(seconds=1), (stream, at, outcome.window)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _parse(text: str) -> datetime:
    """A timestamp as either warehouse prints it (ISO with `Z` or `T`, or PostgreSQL's text), in UTC."""
    stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def test_no_row_of_a_live_object_is_soft_deleted(outcome: Outcome) -> None:
    wrongly = {
        s: sorted(k for k, flag in found.items() if flag and k not in outcome.vanished[s])
        for s, found in outcome.rows.items()
    }
    assert not any(wrongly.values()), f"soft-deleted but still in Asana: {wrongly}"


# target-duckdb ignores ACTIVATE_VERSION, so there a row goes only by a tombstone (tap_asana/deletions.py):
# from the events that name it, or from its parent's deletion (tap_asana/orphans.py). target-postgres also
# soft-deletes the rows a full-table stream's listing no longer returns.
@pytest.mark.parametrize("stream", CASCADES)
def test_what_went_with_a_deleted_object_is_soft_deleted(outcome: Outcome, stream: str) -> None:
    expected = outcome.expected(stream)
    assert expected, f"the deletions removed no loaded {stream}: the case checks nothing"
    missed = sorted(k for k in expected if not outcome.rows[stream].get(k))
    assert not missed, f"{stream}: gone from Asana with a deleted object, not soft-deleted: {missed}"


@pytest.mark.parametrize("case", MODEL_KEYS)
def test_the_models_drop_deleted_objects(outcome: Outcome, case: str) -> None:
    model, column, streams = MODEL_KEYS[case]
    gone = set().union(*(outcome.vanished[s] & outcome.loaded[s] for s in streams))
    assert gone, f"nothing deleted for {case} to drop"
    shown = sorted(gone & outcome.models[case])
    assert not shown, f"{model}.{column} still shows deleted objects: {shown}"


def test_asana_task_counts_the_tasks_left(outcome: Outcome) -> None:
    assert len(outcome.models["asana__task"]) == outcome.tasks_left
