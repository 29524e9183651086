"""The dashboard, rendered in headless Chromium: the demo's numbers, filters that change them to the values
recomputed from the sandbox store, and task links that are the tasks' permalinks."""

from __future__ import annotations

import html
import itertools
import json
import re
import subprocess
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pipeline
import pytest

from asana_sandbox.server import build_app
from tests.e2e import expectations
from tests.e2e.browser import open_page
from tests.e2e.store_streams import singer_messages

pytestmark = pytest.mark.e2e

CHARTS = ["throughput", "backlog", "cycle-time", "goals", "time-tracked"]  # drawn by plotly.js


def render(page: Path, fragment: str = "") -> str:
    """The DOM after the page's scripts ran, opened at `#fragment` (how the filters are set from a URL)."""
    url = page.as_uri() + (f"#{fragment}" if fragment else "")
    return subprocess.run(
        pipeline.chromium_command(url, "--dump-dom"), capture_output=True, text=True, timeout=120, check=True
    ).stdout


def kpis(dom: str) -> dict[str, str]:
    return dict(re.findall(r'data-kpi="([a-z-]+)"><b>([^<]*)</b>', dom))


def values(dom: str, chart: str) -> object:
    """The numbers a chart or list plots, which the page keeps on its section as `data-values`."""
    match = re.search(rf'<section class="card[^"]*" data-chart="{chart}" data-values="([^"]*)"', dom)
    assert match, f"section {chart} has no values (its script did not run)"
    return json.loads(html.unescape(match.group(1)))


def links(dom: str) -> dict[str, str]:
    """Task gid -> href of the overdue/due-soon list's rows."""
    return {
        gid: html.unescape(href)
        for gid, href in re.findall(r'<tr class="[^"]*" data-task-gid="(\d+)"><td><a href="([^"]*)"', dom)
    }


def primary_project(tasks: dict[str, dict], gid: str) -> str | None:
    """asana__task.project_gid: the lowest project gid of the task, else of its nearest ancestor in one."""
    for _ in range(20):
        task = tasks.get(gid) or {}
        projects = [m["project"]["gid"] for m in task.get("memberships") or [] if m.get("project")]
        if projects:
            return min(projects)
        gid = (task.get("parent") or {}).get("gid")
        if not gid:
            return None
    return None


def open_at_week_ends(tasks: list[dict], weeks: list[str]) -> list[int]:
    """Tasks created by the end of each week (Sunday) and not completed by then, from the store's tasks."""

    def day(stamp: str | None) -> str | None:
        return stamp[:10] if stamp else None

    ends = [(date.fromisoformat(w) + timedelta(6)).isoformat() for w in weeks]
    return [
        sum(
            1
            for t in tasks
            if day(t.get("created_at"))
            and day(t["created_at"]) <= end
            and not (t.get("completed") and day(t.get("completed_at")) and day(t["completed_at"]) <= end)
        )
        for end in ends
    ]


def test_dashboard_filters_and_links(meltano_run, chromium):
    store = build_app("demo").store
    want = expectations.from_store(store, api_only=False)
    today = datetime.now(timezone.utc).date()
    meltano_run("invoke", "target-duckdb", stdin="\n".join(singer_messages(store)) + "\n")
    meltano_run("run", "dbt-duckdb:build")
    meltano_run("invoke", "dashboard:build")
    page = meltano_run.workdir / "dashboard" / "index.html"
    text = page.read_text()
    assert not re.search(r"<(script|link)[^>]*(src|href)=", text), "everything must be embedded, not fetched"
    assert re.search(r"Data as of <b id=\"as-of\">\d{4}-\d\d-\d\d \d\d:\d\d UTC</b>", text)

    dom = render(page)
    shown = kpis(dom)
    assert {k: int(v) for k, v in shown.items() if k != "hours-tracked"} == {
        "open-tasks": want.open,
        "overdue-tasks": want.overdue,
        "due-soon-tasks": sum(
            1
            for t in store.all("task")
            if not t.get("completed") and (d := expectations._due(t)) and today <= d <= today + timedelta(7)
        ),
        "completed-tasks": want.completed_with_date,
    }
    assert abs(float(shown["hours-tracked"]) - want.minutes_tracked / 60) <= 0.05
    for name in CHARTS:
        section = re.search(rf'data-chart="{name}".*?</section>', dom, re.S)
        assert section and 'class="main-svg"' in section.group(0), f"chart {name} was not drawn by plotly.js"

    # Throughput on a continuous axis: every week from the first to the last, the empty ones as zeros.
    throughput = values(dom, "throughput")
    weeks = [date.fromisoformat(w) for w in throughput["weeks"]]
    assert all(b - a == timedelta(7) for a, b in itertools.pairwise(weeks)), "weeks are skipped"
    assert 0 in throughput["created"], "the demo has empty weeks; they must show"
    assert {w: n for w, n in zip(weeks, throughput["created"], strict=True) if n} == want.created_per_week
    assert {w: n for w, n in zip(weeks, throughput["completed"], strict=True) if n} == want.completed_per_week
    assert values(dom, "backlog")["open"][-1] == want.open - sum(
        1 for t in store.all("task") if not t.get("completed") and not t.get("created_at")
    )
    # The backlog comes from asana__daily_metrics, and every week agrees with the tasks themselves.
    backlog = values(dom, "backlog")
    assert backlog["source"] == "daily_metrics"
    assert backlog["open"] == open_at_week_ends(store.all("task"), backlog["weeks"])
    goals = values(dom, "goals")
    assert {k: v for k, v in goals.items()} == want.goal_progress

    # Every task in the list links to its permalink.
    tasks = {t["gid"]: t for t in store.all("task")}
    listed = links(dom)
    assert listed and all(href == tasks[gid]["permalink_url"] for gid, href in listed.items())
    assert sorted(listed) == sorted(values(dom, "attention"))

    # Filter by the project with the most overdue tasks: tiles and list change to that project's numbers.
    project = Counter(
        primary_project(tasks, t["gid"])
        for t in tasks.values()
        if not t.get("completed") and (d := expectations._due(t)) and d < today
    ).most_common(1)[0][0]
    mine = [t for t in tasks.values() if primary_project(tasks, t["gid"]) == project]
    open_mine = [t for t in mine if not t.get("completed")]
    filtered = render(page, f"project={project}")
    assert kpis(filtered)["open-tasks"] == str(len(open_mine)) != shown["open-tasks"]
    overdue_mine = sum(1 for t in open_mine if (d := expectations._due(t)) and d < today)
    assert kpis(filtered)["overdue-tasks"] == str(overdue_mine)
    due_soon = {t["gid"] for t in open_mine if (d := expectations._due(t)) and d <= today + timedelta(7)}
    assert set(values(filtered, "attention")) == due_soon
    assert set(links(filtered)) <= due_soon
    assert set(values(filtered, "portfolios")) <= {project} and len(values(dom, "portfolios")) > 1
    backlog = values(filtered, "backlog")
    assert backlog["source"] == "daily_metrics"
    assert backlog["open"] == open_at_week_ends(mine, backlog["weeks"])

    # The tag filter (tags from asana__tag): the tasks carrying the tag, the backlog counted from them.
    tag = Counter(
        g["gid"] for t in tasks.values() if not t.get("completed") for g in t.get("tags") or []
    ).most_common(1)[0][0]
    tagged = [t for t in tasks.values() if any(g["gid"] == tag for g in t.get("tags") or [])]
    by_tag = render(page, f"tag={tag}")
    assert kpis(by_tag)["open-tasks"] == str(sum(1 for t in tagged if not t.get("completed")))
    overdue_tagged = sum(
        1 for t in tagged if not t.get("completed") and (d := expectations._due(t)) and d < today
    )
    assert kpis(by_tag)["overdue-tasks"] == str(overdue_tagged)
    backlog = values(by_tag, "backlog")
    assert backlog["source"] == "tasks"
    assert backlog["open"] == open_at_week_ends(tagged, backlog["weeks"])

    # The same filter applied as a person does: pick the project in the form; the tiles and the URL follow.
    with open_page(page) as tab:
        tile = "document.querySelector('[data-kpi=\"open-tasks\"] b')?.textContent"
        assert tab.wait_for(f"document.readyState === 'complete' && {tile}") == shown["open-tasks"]
        picked = tab.evaluate(
            f"""(() => {{ const s = document.getElementById("f-project"); s.value = "{project}";
            s.dispatchEvent(new Event("change", {{bubbles: true}}));
            return [s.value, location.hash, {tile}]; }})()"""
        )
        assert picked == [project, f"#project={project}", str(len(open_mine))]
        hrefs = tab.evaluate(
            "[...document.querySelectorAll('#attention a')]"
            ".map(a => [a.closest('tr').dataset.taskGid, a.href])"
        )
        assert hrefs and all(href == tasks[gid]["permalink_url"] for gid, href in hrefs)
        # Then the tag picked too: both filters hold, in the tiles and the URL.
        both = [t for t in open_mine if any(g["gid"] == tag for g in t.get("tags") or [])]
        picked = tab.evaluate(
            f"""(() => {{ const s = document.getElementById("f-tag"); s.value = "{tag}";
            s.dispatchEvent(new Event("change", {{bubbles: true}}));
            return [s.value, location.hash, {tile}]; }})()"""
        )
        assert picked == [tag, f"#project={project}&tag={tag}", str(len(both))]

    # Filter by an assignee and a date range: completions in the range only.
    assignee = Counter((t.get("assignee") or {}).get("gid") for t in tasks.values() if t.get("assignee"))
    user = assignee.most_common(1)[0][0]
    start = today - timedelta(days=90)
    done = [
        t
        for t in tasks.values()
        if (t.get("assignee") or {}).get("gid") == user
        and t.get("completed")
        and t.get("completed_at")
        and start.isoformat() <= t["completed_at"][:10] <= today.isoformat()
    ]
    ranged = kpis(render(page, f"assignee={user}&from={start.isoformat()}&to={today.isoformat()}"))
    assert ranged["completed-tasks"] == str(len(done))
    assert ranged["open-tasks"] == str(
        sum(
            1
            for t in tasks.values()
            if (t.get("assignee") or {}).get("gid") == user and not t.get("completed")
        )
    )

    # A PNG of the same page, kept with the test output for a person to look at.
    shot = meltano_run.workdir / "dashboard.png"
    subprocess.run(
        pipeline.chromium_command(page.as_uri(), f"--screenshot={shot}"),
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000
