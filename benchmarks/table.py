"""The one table `make bench` prints: issue 12's figures, each next to its goal and whether it is met."""

from __future__ import annotations

from typing import Any

from benchmarks.figures import flat

GOALS = {
    "full_requests": 35_000,
    "incremental_requests": 2_000,
    "misses": 0,
    "budget_use_latency": 0.9,
    "budget_use_no_latency": 0.9,
    "cpu_us_per_record": 400,
    "state_share": 0.05,
    "peak_mb": 100,
}


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "**no**")


def _latency_row(run: dict[str, Any]) -> tuple[str, str, str, str]:
    use = run["budget_use"]
    label = (
        f"rate-budget use at {run['requests_per_minute']:,}/min, {run['delay_ms']} ms per answer "
        f"({run['dataset']}, {run['requests']:,} requests)"
    )
    shown = f"{_n(use, 2)}, {run['rate_limited']} 429s, {run['wall_seconds']:.0f} s"
    if run.get("mean_in_flight") is not None:
        shown += (
            f"; in flight: mean {run['mean_in_flight']}, max {run['max_in_flight']}, "
            f"≤ 1 for {run['share_at_most_one']:.0%} of the run"
        )
        alone = list((run.get("at_most_one_by_route") or {}).items())[:3]
        if alone:
            shown += " (" + ", ".join(f"{route} {share:.0%}" for route, share in alone) + ")"
    if use is not None and use > 1:
        shown += " (within one budget: a longer run would be bound by the rate, not the latency)"
    goal = GOALS["budget_use_latency"] if run["delay_ms"] else GOALS["budget_use_no_latency"]
    ok = None if use is None else use >= goal and run["rate_limited"] == 0
    # Within one budget the window never binds: the run shows the pace, not that the limiter avoids 429s.
    within = run["requests"] <= run["requests_per_minute"]
    return label, shown, f"≥ {goal}, 0 429s", _met(ok) + (" (pace only)" if within and ok is not None else "")


def _paced_rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The incremental run with `full_table_refresh_hours` (opt-in), when the report has one."""
    paced = report.get("incremental_paced")
    if not paced:
        return []
    made, missed = paced["http_requests"], paced["misses_total"]
    ok = made <= GOALS["incremental_requests"] and missed == 0
    return [
        (
            f"incremental requests with `full_table_refresh_hours: {paced['full_table_refresh_hours']:g}` "
            "(opt-in: the streams no change signal covers rest; their rows up to that old)",
            f"{_n(made)}, {missed:,} missed",
            f"≤ {GOALS['incremental_requests']:,}, 0 missed",
            (_met(ok) + " (opt-in)") if report["dataset"] == "bench" else "-",
        )
    ]


def rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, measured, goal, met) for every figure of the issue's Measurement section."""
    full, inc = report["full"], report["incremental"]
    out = [
        (
            f"full sync requests ({report['dataset']}, {full['records']:,} records, "
            f"{len(full['records_per_stream'])} streams)",
            f"{_n(full['http_requests'])} (record keys digest {full.get('record_keys_digest', '-')})",
            f"≤ {GOALS['full_requests']:,}, same records",
            _met(full["http_requests"] <= GOALS["full_requests"]) if report["dataset"] == "bench" else "-",
        ),
        (
            f"full sync requests ÷ lower bound ({full['lower_bound_requests']:,})",
            _n(full["requests_over_lower_bound"], 2),
            "-",
            "-",
        ),
        (
            f"incremental requests after a {report['mutation']['fraction']:.0%} mutation",
            _n(inc["http_requests"]),
            f"≤ {GOALS['incremental_requests']:,}",
            _met(inc["http_requests"] <= GOALS["incremental_requests"])
            if report["dataset"] == "bench"
            else "-",
        ),
        (
            f"incremental ÷ lower bound: events ({inc['lower_bound_events']:,}) / "
            f"full tables re-read ({inc['lower_bound_requests']:,})",
            f"{_n(inc['requests_over_lower_bound_events'], 2)} / {_n(inc['requests_over_lower_bound'], 2)}",
            "-",
            "-",
        ),
        *_paced_rows(report),
        (
            "misses after the mutation (records a fresh full sync finds that full + incremental lack)",
            f"{report['misses_total']:,} of the {report['changes_to_catch_total']:,} the full run lacks"
            + (
                f" ({', '.join(f'{k} {v}' for k, v in report['misses'].items())})" if report["misses"] else ""
            ),
            "0",
            _met(report["misses_total"] == 0),
        ),
    ]
    out += [_latency_row(run) for run in report["latency"]]
    cpu = full["cpu_us_per_record"]
    share = full["state_share"]
    peak = max(full["peak_memory_mb"], inc["peak_memory_mb"])
    quarters = full.get("rss_quarter_peaks_mb", [])
    state_mb = full["bytes_by_type"].get("STATE", 0) / 1e6
    state_messages = full["messages_by_type"].get("STATE", 0)
    out += [
        (
            "tap CPU per record, full sync (user + sys)",
            f"{_n(cpu)} µs",
            f"≤ {GOALS['cpu_us_per_record']} µs",
            _met(cpu is not None and cpu <= GOALS["cpu_us_per_record"]),
        ),
        (
            "STATE bytes ÷ RECORD bytes, full sync",
            f"{_n(share * 100 if share is not None else None, 1)} % "
            f"({state_mb:,.1f} MB in {state_messages:,} messages; "
            f"final state {full['final_state_bytes'] / 1e3:,.0f} kB)",
            f"≤ {GOALS['state_share']:.0%}",
            _met(share is not None and share <= GOALS["state_share"]),
        ),
        (
            "peak RSS of the tap (full / incremental; full run's peak by quarter)",
            f"{full['peak_memory_mb']:.0f} / {inc['peak_memory_mb']:.0f} MB; "
            + " / ".join(str(q) for q in quarters)
            + " MB",
            f"flat, ≤ {GOALS['peak_mb']} MB",
            _met(peak <= GOALS["peak_mb"] and flat(quarters)),
        ),
        (
            "wall time, unthrottled (full / incremental)",
            f"{full['wall_seconds']:.0f} / {inc['wall_seconds']:.0f} s",
            "-",
            "-",
        ),
    ]
    return out


def render(report: dict[str, Any]) -> str:
    """A Markdown table (it pastes into benchmarks/README.md's history as it is)."""
    lines = ["| figure | measured | goal | met |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows(report)]
    return "\n".join(lines)
