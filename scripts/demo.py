"""`make demo`: Asana sandbox -> tap-asana -> DuckDB through Meltano, dbt models, dashboard, summary.

1. installs Meltano (`.venv-meltano`) and the plugins of `meltano.yml` (first run only);
2. starts the Asana sandbox with the `demo` dataset on a free loopback port (Enterprise tier: 1,500 requests
   a minute, which the `sandbox` Meltano environment gives the tap too);
3. `meltano run tap-asana target-duckdb` - incremental from the second run on (Meltano keeps the state under
   `sandbox:tap-asana-to-target-duckdb`); before a second run the sandbox simulates a day of work, so the
   incremental run has something to pick up;
4. `meltano run dbt-duckdb:build` (models and their tests) and `meltano invoke dashboard:build`;
5. prints rows per table and leaves `output/asana.duckdb` and `output/dashboard/index.html`.

Any failing step stops the demo with a non-zero exit and the tail of its log.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import (
    DUCKDB_PATH,
    MODEL_SCHEMA,
    OUTPUT,
    RAW_SCHEMA,
    PipelineError,
    duckdb_queries,
    ensure_plugins,
    log,
    meltano,
    row_counts,
    sandbox_env,
)

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer

STATE_ID = "sandbox:tap-asana-to-target-duckdb"


def run_logged(step: str, *args: str, env: dict[str, str], logs: Path) -> float:
    """Run a meltano command with its output in `logs/<step>.log`; return the seconds it took."""
    started = time.monotonic()
    log_file = logs / f"{step}.log"
    log(f"meltano {' '.join(args)}")
    try:
        result = meltano(*args, env={**env, "MELTANO_CLI_LOG_LEVEL": "info"}, capture=True)
    except PipelineError as exc:
        log_file.write_text(str(exc))
        lines = str(exc).splitlines()
        tail = "\n".join(lines[-40:])
        raise PipelineError(f"step '{step}' failed; full log: {log_file}\n{tail}") from None
    log_file.write_text(result.stdout + result.stderr)
    return time.monotonic() - started


def has_state() -> bool:
    try:
        result = meltano("state", "get", STATE_ID, capture=True, env={"MELTANO_ENVIRONMENT": "sandbox"})
    except PipelineError:
        return False
    text = result.stdout.strip()
    if not text:
        return False
    try:
        return bool(json.loads(text).get("singer_state", {}).get("bookmarks"))
    except json.JSONDecodeError:
        return False


def summary(started_at: datetime) -> None:
    raw = row_counts(RAW_SCHEMA)
    models = row_counts(MODEL_SCHEMA)
    since = started_at.strftime("%Y-%m-%d %H:%M:%S")
    loaded_now: dict[str, int] = {}
    if raw:
        sql = " union all ".join(
            f"select '{t}' as t, count(*) as n from {RAW_SCHEMA}.\"{t}\" where _sdc_batched_at >= '{since}'"
            for t in raw
        )
        loaded_now = {r["t"]: int(r["n"]) for r in duckdb_queries([sql])[0]}
    print()
    print(f"Raw streams ({RAW_SCHEMA}.*): rows in table / loaded by this run")
    for table, count in sorted(raw.items()):
        print(f"  {table:<28} {count:>6} / {loaded_now.get(table, 0):>5}")
    print(f"Models ({MODEL_SCHEMA}.*, tables only):")
    for table, count in sorted(models.items()):
        if table.startswith("asana__"):
            print(f"  {table:<28} {count:>6}")
    headline = duckdb_queries(
        [
            f"select count(*) as tasks, sum(case when is_completed then 1 else 0 end) as completed, "
            f"sum(case when is_overdue then 1 else 0 end) as overdue from {MODEL_SCHEMA}.asana__task",
            f"select coalesce(sum(minutes), 0) as minutes from {MODEL_SCHEMA}.asana__time_tracking",
        ]
    )
    h = headline[0][0]
    print(
        f"\n{h['tasks']} tasks, {h['completed']} completed, {h['overdue']} overdue; "
        f"{int(float(headline[1][0]['minutes'])) / 60:.1f} hours tracked."
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full-refresh", action="store_true", help="ignore the saved state (full extract)")
    parser.add_argument("--no-dashboard", action="store_true", help="skip building the HTML dashboard")
    parser.add_argument(
        "--mutate-fraction",
        type=float,
        default=0.05,
        help="share of tasks the sandbox changes before an incremental run (default 0.05)",
    )
    args = parser.parse_args()

    begin = time.monotonic()
    ensure_plugins()
    OUTPUT.mkdir(exist_ok=True)
    logs = OUTPUT / "logs"
    logs.mkdir(exist_ok=True)

    server = SandboxServer("demo", port=0).start()  # tier from the dataset: Enterprise, 1,500 requests/min
    try:
        log(f"Asana sandbox (demo dataset) at {server.base_url}")
        env = {**sandbox_env(server.base_url, DEFAULT_TOKEN), "MELTANO_ENVIRONMENT": "sandbox"}
        incremental = not args.full_refresh and DUCKDB_PATH.exists() and has_state()
        if incremental:
            changed = requests.post(
                f"{server.root_url}/_sandbox/mutate",
                json={"fraction": args.mutate_fraction, "seed": int(time.time())},
                timeout=60,
            ).json()
            log(
                f"incremental run: state found under {STATE_ID}; the sandbox simulated a day of work "
                f"({_describe(changed)})"
            )
        else:
            log("first run: full extract")
        started_at = datetime.now(timezone.utc).replace(tzinfo=None)
        run_args = ["run", "tap-asana", "target-duckdb"] + (["--full-refresh"] if args.full_refresh else [])
        el_seconds = run_logged("extract-load", *run_args, env=env, logs=logs)
        log(f"extract and load: {el_seconds:.1f} s")
    finally:
        server.stop()

    dbt_seconds = run_logged("dbt-build", "run", "dbt-duckdb:build", env=env, logs=logs)
    log(f"dbt build (models and tests): {dbt_seconds:.1f} s")
    if not args.no_dashboard:
        run_logged("dashboard", "invoke", "dashboard:build", env=env, logs=logs)
    summary(started_at)
    print(
        f"\nDuckDB file: {DUCKDB_PATH}\n  schemas {RAW_SCHEMA} (streams) and {MODEL_SCHEMA} (models); "
        "any DuckDB >= 1.2 client opens it"
    )
    if not args.no_dashboard:
        print("Dashboard:   output/dashboard/index.html  (`make dashboard` serves it)")
    print(f"Run `make demo` again for an incremental run. Took {time.monotonic() - begin:.0f} s.")
    return 0


def _describe(changed: object) -> str:
    if isinstance(changed, dict):
        parts = [f"{k}: {len(v) if isinstance(v, list) else v}" for k, v in changed.items()]
        return ", ".join(parts)
    return str(changed)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PipelineError as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
