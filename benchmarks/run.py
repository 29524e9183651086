"""`make bench`: issue 12's figures for the tap, as one table (and the whole JSON with `--json`).

1. The `--dataset` (default `bench`) unthrottled: a full sync (requests, lower bound, CPU per record, STATE
   share, peak RSS); a mutation of `--mutate-fraction` of its tasks; an incremental sync from the full run's
   state, once as by default and once with `full_table_refresh_hours: 24` (the streams no change signal covers
   rest); then a fresh full sync of the mutated data, whose records the first two runs must hold (misses).
2. The `--latency-dataset` (default `demo`) at `--requests-per-minute` (1,500, Asana's paid limit) on both
   sides, once per `--delay-ms` (the sandbox's `delay_ms` fault: every answer that much later): budget use.

The sandbox runs in this process, the tap in a child process (so its CPU and memory are its own).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from asana_sandbox.server import SandboxServer
from benchmarks.concurrency import InFlight
from benchmarks.figures import budget_use, cpu_us_per_record, keys_digest, misses, quarter_peaks, ratio
from benchmarks.lower_bound import full_sync, incremental_events, incremental_reread
from benchmarks.table import render
from benchmarks.tap_process import TapRun, run_tap

UNLIMITED = 1_000_000
#: `full_table_refresh_hours` of the paced incremental run: a daily read of the tables no signal covers.
PACED_HOURS = 24


def _progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _stats(sandbox: SandboxServer) -> dict[str, Any]:
    stats: dict[str, Any] = requests.get(f"{sandbox.root_url}/_sandbox/stats", timeout=30).json()
    return stats


def _reset(sandbox: SandboxServer) -> None:
    requests.post(f"{sandbox.root_url}/_sandbox/reset", timeout=30).raise_for_status()


def _figures(run: TapRun, stats: dict[str, Any], bound: dict[str, int]) -> dict[str, Any]:
    """One run's figures; the request counts come from the sandbox's counters (reset before the run)."""
    made = stats["requests"]["total"]
    lower = sum(bound.values())
    record_bytes = run.bytes_by_type.get("RECORD", 0)
    return {
        "records": run.record_count,
        "records_per_stream": dict(sorted(run.records.items())),
        "http_requests": made,
        "http_requests_by_status": stats["requests"]["by_status"],
        "http_requests_by_route": dict(sorted(stats["requests"]["by_route"].items())),
        "rate_limited": stats["rate_limited"],
        "lower_bound_requests": lower,
        "requests_over_lower_bound": ratio(made, lower),
        "lower_bound_by_stream": bound,
        "wall_seconds": round(run.wall_seconds, 2),
        "records_per_second": round(run.record_count / run.wall_seconds, 1) if run.wall_seconds else None,
        "cpu_user_seconds": round(run.cpu_user_seconds, 2),
        "cpu_system_seconds": round(run.cpu_system_seconds, 2),
        "cpu_us_per_record": cpu_us_per_record(
            run.cpu_user_seconds, run.cpu_system_seconds, run.record_count
        ),
        "peak_memory_mb": round(run.peak_kib / 1024, 1),
        "rss_quarter_peaks_mb": [round(k / 1024) for k in quarter_peaks(run.rss_kib)],
        "messages_by_type": dict(run.messages_by_type),
        "bytes_by_type": dict(run.bytes_by_type),
        "state_share": ratio(run.bytes_by_type.get("STATE", 0), record_bytes),
        "final_state_bytes": len(json.dumps(run.state)) if run.state is not None else 0,
        "minutes_at_150_rpm": round(made / 150, 1),
        "minutes_at_1500_rpm": round(made / 1500, 1),
    }


def _sync(sandbox: SandboxServer, config: dict, state: dict | None, tmp: Path, name: str) -> tuple:
    _reset(sandbox)
    _progress(f"{name} sync ...")
    run = run_tap(config, state, tmp, name)
    stats = _stats(sandbox)
    made = stats["requests"]["total"]
    _progress(f"{name}: {run.record_count:,} records, {made:,} requests, {run.wall_seconds:.0f} s")
    return run, stats


def measure_syncs(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Full, mutation, incremental and fresh full syncs of `args.dataset`, unthrottled."""
    started = time.perf_counter()
    with SandboxServer(args.dataset, seed=args.seed, requests_per_minute=UNLIMITED) as sandbox:
        build_seconds = round(time.perf_counter() - started, 2)  # dataset generation + server start
        config = {
            "access_token": sandbox.token,
            "api_url": sandbox.base_url,
            "requests_per_minute": UNLIMITED,
        }
        objects = sandbox.store.counts()
        bound = full_sync(sandbox.store)
        # The full run keeps when it read each paced stream; the default incremental run ignores it.
        paced = {**config, "full_table_refresh_hours": PACED_HOURS}
        full_run, stats = _sync(sandbox, paced, None, tmp, "full")
        full = _figures(full_run, stats, bound)
        full["record_keys_digest"] = keys_digest(full_run.seen)
        mutation = requests.post(
            f"{sandbox.root_url}/_sandbox/mutate",
            json={"fraction": args.mutate_fraction, "seed": args.mutate_seed},
            timeout=600,
        ).json()
        changed = set(mutation["changed_tasks"]) | set(mutation["moved"])
        inc_run, stats = _sync(sandbox, config, full_run.state, tmp, "incremental")
        incremental = _figures(inc_run, stats, incremental_reread(sandbox.store, changed))
        events_bound = incremental_events(sandbox.store, changed)
        incremental["lower_bound_events"] = sum(events_bound.values())
        incremental["lower_bound_events_by_stream"] = events_bound
        incremental["requests_over_lower_bound_events"] = ratio(
            incremental["http_requests"], incremental["lower_bound_events"]
        )
        # The same incremental run from the same state, with the tables no change signal covers resting.
        paced_run, stats = _sync(sandbox, paced, full_run.state, tmp, "incremental-paced")
        incremental_paced = _figures(paced_run, stats, incremental_reread(sandbox.store, changed))
        fresh_run, _ = _sync(sandbox, config, None, tmp, "fresh-full")
        missed = misses(full_run.seen.merged(inc_run.seen), fresh_run.seen)
        missed_paced = misses(full_run.seen.merged(paced_run.seen), fresh_run.seen)
        incremental_paced.update(
            full_table_refresh_hours=PACED_HOURS, misses=missed_paced, misses_total=sum(missed_paced.values())
        )
        # What the incremental run had to catch: the same check with the full run alone.
        to_catch = misses(full_run.seen, fresh_run.seen)
    return {
        "dataset": args.dataset,
        "seed": args.seed,
        "sandbox_build_seconds": build_seconds,
        "objects_before_mutation": objects,
        "full": full,
        "mutation": {
            "fraction": args.mutate_fraction,
            "seed": args.mutate_seed,
            **{k: len(v) for k, v in mutation.items() if isinstance(v, list)},
        },
        "incremental": incremental,
        "incremental_paced": incremental_paced,
        "fresh_records": fresh_run.record_count,
        "misses": missed,
        "misses_total": sum(missed.values()),
        "changes_to_catch": to_catch,
        "changes_to_catch_total": sum(to_catch.values()),
    }


def measure_latency(args: argparse.Namespace, delay_ms: int, tmp: Path) -> dict[str, Any]:
    """A full sync at the per-minute budget with every answer `delay_ms` late; a sandbox of its own, so
    that no earlier run's requests are still in its one-minute window."""
    budget = args.requests_per_minute
    with SandboxServer(args.latency_dataset, seed=args.seed, requests_per_minute=budget) as sandbox:
        requests.post(
            f"{sandbox.root_url}/_sandbox/faults", json={"delay_ms": delay_ms}, timeout=30
        ).raise_for_status()
        config = {"access_token": sandbox.token, "api_url": sandbox.base_url, "requests_per_minute": budget}
        sampler = InFlight(sandbox.app)
        sampler.start()
        try:
            run, stats = _sync(sandbox, config, None, tmp, f"latency-{delay_ms}ms")
        finally:
            concurrency = sampler.stop()
    made = stats["requests"]["total"]
    return {
        "dataset": args.latency_dataset,
        "requests_per_minute": budget,
        "delay_ms": delay_ms,
        "records": run.record_count,
        "requests": made,
        "rate_limited": stats["rate_limited"],
        "wall_seconds": round(run.wall_seconds, 2),
        "budget_use": budget_use(made, budget, run.wall_seconds),
        **concurrency,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", default="bench", help="dataset of the request, CPU, STATE and misses runs"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--mutate-fraction", type=float, default=0.01)
    parser.add_argument("--mutate-seed", type=int, default=7)
    parser.add_argument(
        "--latency-dataset",
        default="demo",
        help="dataset of the budget-use runs (a bench run at 1,500/min takes 40 min or more)",
    )
    parser.add_argument("--requests-per-minute", type=int, default=1500, help="budget of the latency runs")
    parser.add_argument(
        "--delay-ms", type=int, nargs="*", default=[0, 250], help="answer delays of the latency runs"
    )
    parser.add_argument("--json", action="store_true", help="also print every figure as JSON after the table")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tap-asana-bench-") as tmp:
        report = measure_syncs(args, Path(tmp))
        report["latency"] = [measure_latency(args, delay, Path(tmp)) for delay in args.delay_ms]
    print(render(report))
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
