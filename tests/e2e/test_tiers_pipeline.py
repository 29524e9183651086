"""The hourly job builds every model on every plan: on a free or premium workspace the streams its plan cannot
read load no rows, their raw tables are never created, and the models read them as empty (raw_source.sql)."""

from __future__ import annotations

import pipeline
import pytest

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer

pytestmark = pytest.mark.e2e

MODELS = pipeline.MODEL_SCHEMA
RAW = pipeline.RAW_SCHEMA
# Paid features: no rows on a free workspace, rows on premium and enterprise.
PAID_MODELS = ("asana__goal",)


def _marts() -> list[str]:
    marts = pipeline.REPO / "transform" / "models" / "marts"
    return sorted(p.stem for p in marts.glob("asana__*.sql"))


@pytest.mark.parametrize("tier", ["free", "premium", "enterprise"])
def test_the_hourly_job_builds_every_model_on_every_plan(meltano_run, tier: str) -> None:
    server = SandboxServer("demo", port=0, requests_per_minute=1_000_000, tier=tier).start()
    try:
        env = pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN)
        meltano_run("run", "asana-to-duckdb", **env)  # the job the hourly schedule runs
    finally:
        server.stop()
    raw = pipeline.row_counts(RAW, meltano_run.duckdb_path)
    built = pipeline.row_counts(MODELS, meltano_run.duckdb_path)
    assert set(_marts()) <= set(built), f"models not built: {set(_marts()) - set(built)}"
    assert built["asana__task"] > 0 and built["asana__project"] > 0
    if tier == "free":
        assert raw.get("goals", 0) == 0 and raw.get("goal_relationships", 0) == 0
        # Never created by the loader (no SCHEMA without a parent record): the case that broke `dbt build`.
        assert "goal_relationships" not in raw
        assert all(built[model] == 0 for model in PAID_MODELS)
    else:
        assert all(built[model] > 0 for model in PAID_MODELS)


def test_the_postgres_job_builds_every_model_on_a_free_plan(meltano_run, postgres) -> None:
    server = SandboxServer("demo", port=0, requests_per_minute=1_000_000, tier="free").start()
    try:
        env = {**pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN), **postgres.target_env()}
        meltano_run("run", "asana-to-postgres", **env)
    finally:
        server.stop()
    tables = {
        name
        for (name,) in postgres.psql(
            f"select table_name from information_schema.tables where table_schema = '{MODELS}'"
        )
    }
    assert set(_marts()) <= tables, f"models not built: {set(_marts()) - tables}"
    assert postgres.psql(f"select count(*) from {MODELS}.asana__goal") == [["0"]]
    assert int(postgres.psql(f"select count(*) from {MODELS}.asana__task")[0][0]) > 0
