"""The bench's own arithmetic (benchmarks/figures.py, benchmarks/table.py): no sync runs here."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from benchmarks.concurrency import summary
from benchmarks.figures import (
    Seen,
    budget_use,
    cpu_us_per_record,
    flat,
    keys_digest,
    misses,
    quarter_peaks,
    rate_floor_seconds,
    ratio,
)
from benchmarks.table import render


def test_rate_floor_over_one_budget_is_the_sliding_window_floor() -> None:
    # 1,500 go at once, the next 1,500 a minute later, the last one a minute after that.
    assert rate_floor_seconds(3001, 1500) == 120
    assert rate_floor_seconds(3000, 1500) == 60
    assert rate_floor_seconds(1501, 1500) == 60


def test_rate_floor_within_one_budget_is_the_steady_rate() -> None:
    assert rate_floor_seconds(750, 1500) == 30
    assert rate_floor_seconds(0, 1500) == 0


def test_budget_use_is_floor_over_wall_time() -> None:
    assert budget_use(3001, 1500, 240) == pytest.approx(0.5)
    assert budget_use(750, 1500, 60) == pytest.approx(0.5)
    assert budget_use(750, 1500, 15) == pytest.approx(2.0)  # a burst: not bound by latency
    assert budget_use(0, 1500, 10) is None
    assert budget_use(10, 1500, 0) is None


def test_quarter_peaks_and_flatness() -> None:
    assert quarter_peaks([1, 5, 2, 6, 3, 7, 4, 8]) == [5, 6, 7, 8]
    assert quarter_peaks([3, 4]) == [3, 4]
    assert flat([90, 60, 62, 70])  # start-up is the first quarter
    assert not flat([40, 60, 90, 120])


def test_cpu_per_record_and_ratio() -> None:
    assert cpu_us_per_record(1.5, 0.5, 4000) == pytest.approx(500)
    assert cpu_us_per_record(1.0, 0.0, 0) is None
    assert ratio(5, 100) == 0.05
    assert ratio(5, 0) is None


def _seen(*records: tuple[str, str, dict]) -> Seen:
    seen = Seen()
    for stream, gid, record in records:
        seen.add(stream, (gid,), record)
    return seen


def test_no_misses_when_the_union_holds_every_fresh_record_at_its_version() -> None:
    full = _seen(("tasks", "1", {"modified_at": "2026-12-01T00:00:00Z"}), ("stories", "s1", {}))
    incremental = _seen(("tasks", "1", {"modified_at": "2026-12-02T00:00:00Z"}), ("stories", "s2", {}))
    fresh = _seen(
        ("tasks", "1", {"modified_at": "2026-12-02T00:00:00Z"}), ("stories", "s1", {}), ("stories", "s2", {})
    )
    assert misses(full.merged(incremental), fresh) == {}
    # Without the incremental run, the edit and the new story are what it had to catch.
    assert misses(full, fresh) == {"tasks": 1, "stories": 1}


def test_an_older_version_a_missing_key_and_a_wrong_tombstone_are_misses() -> None:
    full = _seen(
        ("tasks", "1", {"modified_at": "2026-12-01T00:00:00Z"}),
        ("tasks", "2", {"modified_at": "2026-12-01T00:00:00Z"}),
    )
    incremental = _seen(("tasks", "2", {"_sdc_deleted_at": "2026-12-02T00:00:00Z"}))
    fresh = _seen(
        ("tasks", "1", {"modified_at": "2026-12-03T00:00:00Z"}),
        ("tasks", "2", {"modified_at": "2026-12-01T00:00:00Z"}),
        ("tasks", "3", {"modified_at": "2026-12-01T00:00:00Z"}),
    )
    assert misses(full.merged(incremental), fresh) == {"tasks": 3}


def test_a_tombstone_followed_by_a_live_record_is_held() -> None:
    earlier = _seen(("tasks", "1", {"_sdc_deleted_at": "2026-12-02T00:00:00Z"}))
    later = _seen(("tasks", "1", {"modified_at": "2026-12-03T00:00:00Z"}))
    fresh = _seen(("tasks", "1", {"modified_at": "2026-12-03T00:00:00Z"}))
    assert misses(earlier.merged(later), fresh) == {}
    assert misses(later.merged(earlier), fresh) == {"tasks": 1}


def test_keys_digest_follows_the_record_set_not_the_order_or_versions() -> None:
    one = _seen(("tasks", "1", {"modified_at": "a"}), ("tasks", "2", {}))
    same = _seen(("tasks", "2", {}), ("tasks", "1", {"modified_at": "b"}))
    other = _seen(("tasks", "1", {}), ("stories", "2", {}))
    assert keys_digest(one) == keys_digest(same) != keys_digest(other)


def test_a_tombstone_in_the_fresh_run_is_not_a_record_to_hold() -> None:
    union = _seen(("tasks", "1", {"_sdc_deleted_at": "2026-12-02T00:00:00Z"}))
    fresh = _seen(("tasks", "1", {"_sdc_deleted_at": "2026-12-02T00:00:00Z"}))
    assert misses(union, fresh) == {}


def test_the_newest_version_wins_whatever_the_order() -> None:
    newer = _seen(("tasks", "1", {"modified_at": "2026-12-03T00:00:00Z"}))
    older = _seen(("tasks", "1", {"modified_at": "2026-12-01T00:00:00Z"}))
    assert newer.merged(older).versions["tasks"][("1",)] == "2026-12-03T00:00:00Z"


def _run(requests: int, records: int) -> dict:
    return {
        "records": records,
        "records_per_stream": {"tasks": records},
        "http_requests": requests,
        "lower_bound_requests": 100,
        "requests_over_lower_bound": requests / 100,
        "cpu_us_per_record": 350.0,
        "state_share": 0.02,
        "bytes_by_type": {"STATE": 2_000, "RECORD": 100_000},
        "messages_by_type": {"STATE": 3},
        "final_state_bytes": 500,
        "peak_memory_mb": 60.0,
        "rss_quarter_peaks_mb": [50, 55, 58, 60],
        "wall_seconds": 10.0,
    }


def _report(incremental_requests: int, **overrides: Any) -> dict[str, Any]:
    """A bench report: a full run of 40,000 requests, an incremental one, and `overrides`."""
    return {
        "dataset": "bench",
        "full": _run(40_000, 1000),
        "incremental": {
            **_run(incremental_requests, 50),
            "lower_bound_events": 1_000,
            "requests_over_lower_bound_events": incremental_requests / 1_000,
        },
        "mutation": {"fraction": 0.01},
        "misses": {},
        "misses_total": 0,
        "changes_to_catch_total": 400,
        "latency": [],
        **overrides,
    }


def test_table_marks_each_goal_met_or_not() -> None:
    report = _report(
        1_500,
        misses={"stories": 2},
        misses_total=2,
        latency=[
            {
                "dataset": "demo",
                "requests_per_minute": 1500,
                "delay_ms": 250,
                "requests": 3001,
                "rate_limited": 0,
                "wall_seconds": 130.0,
                "budget_use": 120 / 130,
            }
        ],
    )
    table = render(report).splitlines()
    row = {line.split(" | ")[0].lstrip("| "): line for line in table[2:]}
    assert row["full sync requests (bench, 1,000 records, 1 streams)"].endswith("| **no** |")
    assert row["incremental requests after a 1% mutation"].endswith("| yes |")
    assert "2 of the 400 the full run lacks (stories 2)" in next(
        r for k, r in row.items() if k.startswith("misses")
    )
    assert next(r for k, r in row.items() if "250 ms" in k).endswith("| yes |")
    report["latency"][0].update(requests=1000, budget_use=0.95)
    assert render(report).splitlines()[7].endswith("| yes (pace only) |")
    assert row["tap CPU per record, full sync (user + sys)"].endswith("| yes |")
    assert row["STATE bytes ÷ RECORD bytes, full sync"].endswith("| yes |")
    assert next(r for k, r in row.items() if k.startswith("peak RSS")).endswith("| yes |")


def test_table_shows_the_paced_incremental_run_with_its_misses() -> None:
    report = _report(
        5_000, incremental_paced={**_run(1_800, 50), "full_table_refresh_hours": 24, "misses_total": 0}
    )
    paced = next(line for line in render(report).splitlines() if "full_table_refresh_hours: 24" in line)
    assert "| 1,800, 0 missed | ≤ 2,000, 0 missed | yes (opt-in) |" in paced
    report["incremental_paced"]["misses_total"] = 3
    paced = next(line for line in render(report).splitlines() if "full_table_refresh_hours: 24" in line)
    assert "| 1,800, 3 missed |" in paced and paced.endswith("| **no** (opt-in) |")
    del report["incremental_paced"]  # reports of older runs have none
    assert "full_table_refresh_hours" not in render(report)


def test_in_flight_summary() -> None:
    figures = summary([0, 1, 5, 10], Counter({"GET /events": 1, "(none)": 1}))
    assert figures["mean_in_flight"] == 4
    assert figures["max_in_flight"] == 10
    assert figures["share_at_most_one"] == 0.5
    assert figures["at_most_one_by_route"] == {"GET /events": 0.25, "(none)": 0.25}
    assert summary([])["mean_in_flight"] is None


def test_the_http_stack_benchmark_measures_every_layer(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m benchmarks.http_stack` on a loopback sandbox: one row per layer, each a CPU figure."""
    from benchmarks.http_stack import main

    main(["--requests", "3", "--rounds", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "µs" in line]
    layers = [row.split("|")[1].strip() for row in rows]
    assert layers == [
        "sdk",
        "tap (requests)",
        "tap (curl)",
        "urllib3-pool-manager",
        "urllib3-connection-pool",
        "http.client",
        "pycurl",
    ]
    assert all(float(row.split("|")[2].split()[0].replace(",", "")) > 0 for row in rows)
