"""Build the team lead's dashboard: one static HTML file, plotly.js embedded (works offline, no CDN).

Reads the dbt models in DuckDB (`asana.*`). Run it with the `dashboard` Meltano utility's Python
(`meltano invoke dashboard:build`), which has plotly and duckdb; `DASHBOARD_DATABASE` and `DASHBOARD_OUTPUT`
(or `--database`, `--output`) say where to read and write.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

SCHEMA = "analytics"
STATUS_COLORS = {
    "green": "#2e9e5b",
    "on_track": "#2e9e5b",
    "achieved": "#2e9e5b",
    "yellow": "#e8a33d",
    "at_risk": "#e8a33d",
    "partial": "#e8a33d",
    "red": "#d64545",
    "off_track": "#d64545",
    "missed": "#d64545",
    "blue": "#4573d6",
    "on_hold": "#4573d6",
    "dropped": "#8a8a8a",
}
NO_STATUS = "#b0b0b0"
LAYOUT = {
    "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
    "height": 340,
    "template": "plotly_white",
    "font": {"family": "DejaVu Sans, Arial, sans-serif", "size": 12},
    "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
    "autosize": True,
}
THROUGHPUT_WEEKS = 26


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def collect(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every number the page shows, from the models."""
    kpi = rows(
        con,
        f"""
        select
            count(*) filter (where not coalesce(is_completed, false)) as open_tasks,
            count(*) filter (where is_overdue) as overdue_tasks,
            count(*) filter (where is_completed) as completed_tasks,
            count(*) as tasks
        from {SCHEMA}.asana__task
        """,
    )[0]
    kpi["hours_tracked"] = float(
        rows(con, f"select coalesce(sum(minutes), 0) / 60.0 as h from {SCHEMA}.asana__time_tracking")[0]["h"]
    )
    throughput = rows(
        con,
        f"select week_start, created_count, completed_count from {SCHEMA}.asana__weekly_throughput "
        "order by week_start",
    )
    overdue_by_project = rows(
        con,
        f"select project_name, count(*) as overdue from {SCHEMA}.asana__overdue_task "
        "group by 1 order by 2 desc, 1",
    )
    overdue_by_assignee = rows(
        con,
        f"select assignee_name, count(*) as overdue from {SCHEMA}.asana__overdue_task "
        "group by 1 order by 2 desc, 1",
    )
    time_by_project = rows(
        con,
        f"""
        select coalesce(project_name, '(no project)') as project_name,
               coalesce(user_name, '(unknown)') as user_name,
               sum(minutes) as minutes
        from {SCHEMA}.asana__time_tracking
        group by 1, 2
        order by 1, 2
        """,
    )
    goals = rows(
        con,
        f"""
        select goal_name, status_label, progress_pct, metric_current_value, metric_target_value,
               time_period_name, owner_name
        from {SCHEMA}.asana__goal
        order by goal_name
        """,
    )
    portfolios = rows(
        con,
        f"""
        select portfolio_name, item_name,
               coalesce(item_status_type, item_status_color, 'no status') as status,
               open_task_count, overdue_task_count
        from {SCHEMA}.asana__portfolio_status
        order by portfolio_name, item_name
        """,
    )
    for row in throughput:
        row["week_start"] = str(row["week_start"])
    for row in goals:
        row["progress_pct"] = None if row["progress_pct"] is None else float(row["progress_pct"])
        for key in ("metric_current_value", "metric_target_value"):
            row[key] = None if row[key] is None else float(row[key])
    return {
        "kpi": {k: (round(v, 1) if isinstance(v, float) else int(v)) for k, v in kpi.items()},
        "throughput": throughput,
        "overdue_by_project": overdue_by_project,
        "overdue_by_assignee": overdue_by_assignee,
        "time_by_project": [{**r, "minutes": int(r["minutes"] or 0)} for r in time_by_project],
        "goals": goals,
        "portfolios": [
            {
                **r,
                "open_task_count": int(r["open_task_count"] or 0),
                "overdue_task_count": int(r["overdue_task_count"] or 0),
            }
            for r in portfolios
        ],
    }


def throughput_figure(data: list[dict[str, Any]]) -> go.Figure:
    data = data[-THROUGHPUT_WEEKS:]
    weeks = [r["week_start"] for r in data]
    fig = go.Figure(
        [
            go.Bar(
                name="Created",
                x=weeks,
                y=[r["created_count"] for r in data],
                marker_color="#7aa6e8",
                text=[r["created_count"] for r in data],
                textposition="outside",
            ),
            go.Bar(
                name="Completed",
                x=weeks,
                y=[r["completed_count"] for r in data],
                marker_color="#2e9e5b",
                text=[r["completed_count"] for r in data],
                textposition="outside",
            ),
        ]
    )
    fig.update_layout(
        **{**LAYOUT, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}},
        barmode="group",
        xaxis_title="week starting",
        yaxis_title="tasks",
        xaxis_type="category",
    )
    return fig


def horizontal_bars(labels: list[str], values: list[float], color: str, title: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=color,
            text=values,
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_layout(**{**LAYOUT, "height": max(220, 40 + 28 * len(labels))}, xaxis_title=title)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def time_figure(data: list[dict[str, Any]]) -> go.Figure:
    projects = sorted({r["project_name"] for r in data})
    users = sorted({r["user_name"] for r in data})
    by_key = {(r["project_name"], r["user_name"]): r["minutes"] / 60 for r in data}
    fig = go.Figure(
        [
            go.Bar(
                name=user,
                y=projects,
                x=[round(by_key.get((p, user), 0), 1) for p in projects],
                orientation="h",
            )
            for user in users
        ]
    )
    totals = {p: round(sum(by_key.get((p, u), 0) for u in users), 1) for p in projects}
    fig.add_trace(
        go.Scatter(
            x=[totals[p] for p in projects],
            y=projects,
            mode="text",
            showlegend=False,
            text=[f"{totals[p]:g} h" for p in projects],
            textposition="middle right",
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        **{
            **LAYOUT,
            "height": max(260, 80 + 32 * len(projects)),
            "margin": {"l": 10, "r": 60, "t": 40, "b": 10},
        },
        barmode="stack",
        xaxis_title="hours tracked",
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(range=[0, max(totals.values(), default=1) * 1.2])  # room for the total labels
    return fig


def goals_figure(data: list[dict[str, Any]]) -> go.Figure:
    names = [r["goal_name"] for r in data]
    progress = [r["progress_pct"] if r["progress_pct"] is not None else 0 for r in data]
    colors = [STATUS_COLORS.get(r["status_label"], NO_STATUS) for r in data]
    labels = [
        f"{r['progress_pct']:g}% · {r['status_label'].replace('_', ' ')}"
        if r["progress_pct"] is not None
        else r["status_label"].replace("_", " ")
        for r in data
    ]
    fig = go.Figure(
        go.Bar(
            x=progress,
            y=names,
            orientation="h",
            marker_color=colors,
            text=labels,
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_layout(
        **{**LAYOUT, "height": max(220, 60 + 34 * len(names))},
        xaxis_title="progress (%)",
        xaxis_range=[0, 130],
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def chart(fig: go.Figure, name: str, title: str, subtitle: str, *, wide: bool = False) -> str:
    body = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"chart-{name}",
        config={"displayModeBar": False, "responsive": True},
    )
    css = "card wide" if wide else "card"
    return (
        f'<section class="{css}" data-chart="{name}"><h2>{html.escape(title)}</h2>'
        f'<p class="sub">{html.escape(subtitle)}</p>{body}</section>'
    )


def portfolio_table(data: list[dict[str, Any]]) -> str:
    if not data:
        return "<p>No portfolios.</p>"
    head = "<tr><th>Portfolio</th><th>Item</th><th>Status</th><th>Open</th><th>Overdue</th></tr>"
    body = "".join(
        f"<tr><td>{html.escape(r['portfolio_name'])}</td><td>{html.escape(r['item_name'] or '')}</td>"
        f'<td><span class="dot" style="background:{STATUS_COLORS.get(r["status"], NO_STATUS)}"></span>'
        f"{html.escape(r['status'].replace('_', ' '))}</td><td>{r['open_task_count']}</td>"
        f"<td>{r['overdue_task_count']}</td></tr>"
        for r in data
    )
    return f'<table class="portfolio">{head}{body}</table>'


CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; background: #f4f5f7; color: #1e1f21 }
header { background: #1e1f21; color: #fff; padding: 18px 28px }
header h1 { margin: 0; font-size: 22px }
header p { margin: 4px 0 0; color: #c9cbcf; font-size: 13px }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)) }
main { gap: 18px; padding: 18px 28px }
.kpis { display: flex; gap: 14px; padding: 18px 28px 0 }
.kpi { background: #fff; border-radius: 8px; padding: 12px 18px; flex: 1 }
.kpi { box-shadow: 0 1px 2px rgba(0,0,0,.08) }
.kpi b { display: block; font-size: 26px }
.kpi span { color: #6d6e6f; font-size: 13px }
.card { min-width: 0; background: #fff; border-radius: 8px; padding: 14px 16px }
.card { box-shadow: 0 1px 2px rgba(0,0,0,.08) }
.card.wide { grid-column: 1 / -1 }
.card h2 { margin: 0; font-size: 16px }
.sub { margin: 2px 0 8px; color: #6d6e6f; font-size: 12px }
table.portfolio { border-collapse: collapse; width: 100%; font-size: 13px }
table.portfolio td, table.portfolio th { border-bottom: 1px solid #e8e8e9; padding: 6px 8px }
table.portfolio td, table.portfolio th { text-align: left }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 6px }
"""


def render(data: dict[str, Any], source: str) -> str:
    kpi = data["kpi"]
    tiles = [
        ("open-tasks", kpi["open_tasks"], "open tasks"),
        ("overdue-tasks", kpi["overdue_tasks"], "overdue"),
        ("completed-tasks", kpi["completed_tasks"], "completed"),
        ("hours-tracked", f"{kpi['hours_tracked']:g}", "hours tracked"),
    ]
    kpi_html = "".join(
        f'<div class="kpi" data-kpi="{k}"><b>{v}</b><span>{label}</span></div>' for k, v, label in tiles
    )
    sections = [
        chart(
            throughput_figure(data["throughput"]),
            "throughput",
            "Throughput",
            f"Tasks created vs completed per week, last {THROUGHPUT_WEEKS} weeks with activity",
            wide=True,
        ),
        chart(
            horizontal_bars(
                [r["project_name"] for r in data["overdue_by_project"]],
                [r["overdue"] for r in data["overdue_by_project"]],
                "#d64545",
                "overdue tasks",
            ),
            "overdue-by-project",
            "Overdue work per project",
            "Open tasks past their due date",
        ),
        chart(
            horizontal_bars(
                [r["assignee_name"] for r in data["overdue_by_assignee"]],
                [r["overdue"] for r in data["overdue_by_assignee"]],
                "#e8773d",
                "overdue tasks",
            ),
            "overdue-by-assignee",
            "Overdue work per assignee",
            "Open tasks past their due date",
        ),
        chart(
            time_figure(data["time_by_project"]),
            "time-tracked",
            "Time tracked per project",
            "Hours from time tracking entries, by person",
        ),
        chart(
            goals_figure(data["goals"]),
            "goals",
            "Goal progress",
            "Metric progress towards target, coloured by latest status",
        ),
        '<section class="card" data-chart="portfolios"><h2>Portfolio status</h2>'
        '<p class="sub">Latest status of each portfolio item</p>'
        + portfolio_table(data["portfolios"])
        + "</section>",
    ]
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    payload = json.dumps(data, default=str).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Asana team dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style>
<script>{get_plotlyjs()}</script></head>
<body><header><h1>Asana team dashboard</h1>
<p>Built {built} from {html.escape(source)} &middot; {kpi["tasks"]} tasks</p></header>
<div class="kpis">{kpi_html}</div>
<main>{"".join(sections)}</main>
<script type="application/json" id="dashboard-data">{payload}</script>
</body></html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=os.environ.get("DASHBOARD_DATABASE", "output/asana.duckdb"))
    parser.add_argument("--output", default=os.environ.get("DASHBOARD_OUTPUT", "output/dashboard/index.html"))
    args = parser.parse_args(argv)
    database = Path(args.database)
    if not database.exists():
        print(f"dashboard: {database} does not exist; run `make demo` first", file=sys.stderr)
        return 1
    con = duckdb.connect(str(database), read_only=True)
    try:
        data = collect(con)
    except duckdb.CatalogException as exc:
        print(f"dashboard: the models are missing ({exc}); run `make demo` first", file=sys.stderr)
        return 1
    finally:
        con.close()
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(data, database.name), encoding="utf-8")
    print(f"dashboard written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
