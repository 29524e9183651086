"""The dashboard, rendered in headless Chromium, shows its charts with the demo's numbers."""

from __future__ import annotations

import html
import re
import subprocess

import pipeline
import pytest

from asana_sandbox.server import build_app
from tests.e2e import expectations
from tests.e2e.store_streams import singer_messages

pytestmark = pytest.mark.e2e

CHARTS = ["throughput", "overdue-by-project", "overdue-by-assignee", "time-tracked", "goals"]


def sections(dom: str) -> dict[str, str]:
    parts = re.split(r'(?=<section class="card[^"]*" data-chart=")', dom)
    found = {}
    for part in parts:
        match = re.match(r'<section class="card[^"]*" data-chart="([^"]+)"', part)
        if match:
            found[match.group(1)] = part
    return found


def bar_texts(section: str) -> list[str]:
    return [
        html.unescape(t) for t in re.findall(r'class="bartext[^"]*"[^>]*data-unformatted="([^"]*)"', section)
    ]


def test_dashboard_renders_the_demo_numbers(meltano_run, chromium):
    store = build_app("demo").store
    want = expectations.from_store(store, api_only=False)
    meltano_run("invoke", "target-duckdb", stdin="\n".join(singer_messages(store)) + "\n")
    meltano_run("run", "dbt-duckdb:build")
    meltano_run("invoke", "dashboard:build")
    page = meltano_run.workdir / "dashboard" / "index.html"
    assert "cdn.plot.ly" not in page.read_text()[:2000], "plotly.js must be embedded, not fetched"

    dom = subprocess.run(
        pipeline.chromium_command(page.as_uri(), "--dump-dom"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    kpis = dict(re.findall(r'data-kpi="([a-z-]+)"><b>([^<]*)</b>', dom))
    assert kpis == {
        "open-tasks": str(want.open),
        "overdue-tasks": str(want.overdue),
        "completed-tasks": str(want.completed),
        "hours-tracked": f"{want.hours_tracked:g}",
    }

    charts = sections(dom)
    for name in CHARTS:
        assert 'class="main-svg"' in charts.get(name, ""), f"chart {name} was not drawn by plotly.js"

    overdue = charts["overdue-by-project"]
    assert sorted(map(int, bar_texts(overdue))) == sorted(want.overdue_by_project.values())
    for project in want.overdue_by_project:
        assert html.escape(project) in overdue
    assert sorted(map(int, bar_texts(charts["overdue-by-assignee"]))) == sorted(
        want.overdue_by_assignee.values()
    )

    weeks = sorted(set(want.created_per_week) | set(want.completed_per_week))[-26:]
    shown = sorted(map(int, bar_texts(charts["throughput"])))
    assert shown == sorted(
        [want.created_per_week.get(w, 0) for w in weeks] + [want.completed_per_week.get(w, 0) for w in weeks]
    )

    goals = " ".join(bar_texts(charts["goals"]))
    for name, progress in want.goal_progress.items():
        assert html.escape(name) in charts["goals"]
        if progress is not None:
            assert f"{progress:g}%" in goals

    # A PNG of the same page, kept with the test output for a person to look at.
    shot = meltano_run.workdir / "dashboard.png"
    subprocess.run(
        pipeline.chromium_command(page.as_uri(), f"--screenshot={shot}"),
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000
    assert pipeline.DASHBOARD_PYTHON.exists()
