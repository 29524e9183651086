"""Build the team lead's dashboard: one static HTML file that works offline (plotly.js embedded, no CDN).

Reads the dbt models in DuckDB (`analytics.*`), embeds task-level rows as JSON, and filters them in the
browser (workspace, team, project, tag, assignee, date range): every chart, tile and list is recomputed from
the same rows. The filters live in the URL fragment, so a filtered view can be bookmarked or shared.
Run it with the `dashboard` Meltano utility's Python (`meltano invoke dashboard:build`), which has plotly
and duckdb; `DASHBOARD_DATABASE` and `DASHBOARD_OUTPUT` (or `--database`, `--output`) say where to read
and write.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sqlite3
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
from plotly.offline import get_plotlyjs

SCHEMA = "analytics"
HERE = Path(__file__).resolve().parent


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def day(value: Any) -> str | None:
    """An ISO date (UTC) for a date or timestamp, None for none."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def meltano_db() -> Path | None:
    """Meltano's system database if SQLite (the default): `MELTANO_DATABASE_URI`, else the project's."""
    uri = os.environ.get("MELTANO_DATABASE_URI", "")
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///"))
    root = os.environ.get("MELTANO_PROJECT_ROOT")
    return Path(root) / ".meltano" / "meltano.db" if root and not uri else None


def last_successful_run() -> str | None:
    """End of the newest successful `tap-asana ... target-duckdb` job in Meltano's `runs` table."""
    path = meltano_db()
    if path is None or not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = con.execute(
                "select max(ended_at) from runs where state = 'SUCCESS' "
                "and job_name like '%tap-asana%-to-target-duckdb'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None  # no runs table yet, or a locked/foreign file: fall back to the loader's timestamps
    if not found or not found[0]:
        return None
    return str(found[0])[:16] + " UTC"  # Meltano stores naive UTC


def last_load(con: duckdb.DuckDBPyConnection) -> str | None:
    """When the loader last wrote tasks: the newest `_sdc_batched_at` (or `_sdc_extracted_at`) in a raw
    tasks table, for data loaded outside a Meltano job (`meltano invoke`, another scheduler)."""
    found = rows(
        con,
        "select table_schema, column_name from information_schema.columns "
        "where table_name = 'tasks' and column_name in ('_sdc_batched_at', '_sdc_extracted_at') "
        "order by column_name",
    )
    for col in found:
        value = con.execute(
            f'select max("{col["column_name"]}") from "{col["table_schema"]}".tasks'
        ).fetchone()
        if value and value[0] is not None:
            stamp = value[0]
            if isinstance(stamp, datetime):
                if stamp.tzinfo is None:
                    stamp = stamp.replace(tzinfo=timezone.utc)
                return stamp.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            return str(stamp)
    return None


def named(names: dict[str, str | None]) -> list[dict[str, str]]:
    """Filter options sorted by name, the gid standing in for a missing name."""
    return [{"gid": g, "name": n or g} for g, n in sorted(names.items(), key=lambda i: (i[1] or "", i[0]))]


def collect(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The rows the page filters and aggregates, from the models."""
    today = con.execute("select current_date").fetchone()[0]  # the models' is_overdue uses the same day
    workspaces = rows(
        con,
        f"select workspace_gid as gid, workspace_name as name from {SCHEMA}.stg_asana__workspaces order by 2",
    )
    projects = rows(
        con,
        f"""
        select project_gid as gid, project_name as name, workspace_gid as workspace, team_gid as team,
               team_name
        from {SCHEMA}.asana__project order by project_name, project_gid
        """,
    )
    tasks = rows(
        con,
        f"""
        select task_gid as gid, task_name as name, workspace_gid as workspace, project_gid as project,
               assignee_gid as assignee, assignee_name, coalesce(is_completed, false) as done,
               created_at, completed_at, due_on, permalink_url as url
        from {SCHEMA}.asana__task order by task_gid
        """,
    )
    tags_of: dict[str, list[str]] = {}
    for link in rows(con, f"select task_gid, tag_gid from {SCHEMA}.asana__task_tag order by 1, 2"):
        tags_of.setdefault(link["task_gid"], []).append(link["tag_gid"])
    for task in tasks:
        for key in ("created_at", "completed_at", "due_on"):
            task[key] = day(task[key])
        if not task["done"]:
            task["completed_at"] = None
        task["tags"] = tags_of.get(task["gid"], [])
    tags = rows(
        con,
        f"""
        select tag_gid as gid, tag_name as name, workspace_gid as workspace, task_count
        from {SCHEMA}.asana__tag where task_count > 0 order by tag_name, tag_gid
        """,
    )
    teams = rows(
        con,
        f"select team_gid as gid, coalesce(team_name, team_gid) as name from {SCHEMA}.asana__team "
        "where project_count > 0 order by team_name, team_gid",
    )
    time_rows = rows(
        con,
        f"""
        select project_gid as project, user_gid as "user", user_name, week_start, sum(minutes) as minutes
        from {SCHEMA}.asana__time_tracking group by 1, 2, 3, 4 order by 4, 1, 2
        """,
    )
    for row in time_rows:
        row["week_start"] = day(row["week_start"])
        row["minutes"] = int(row["minutes"] or 0)
    goals = rows(
        con,
        f"""
        select g.goal_gid as gid, g.goal_name as name, g.status_label, g.progress_pct, g.team_gid as team,
               s.workspace_gid as workspace
        from {SCHEMA}.asana__goal as g
        left join {SCHEMA}.stg_asana__goals as s on s.goal_gid = g.goal_gid
        order by g.goal_name, g.goal_gid
        """,
    )
    for goal in goals:
        goal["progress_pct"] = None if goal["progress_pct"] is None else float(goal["progress_pct"])
    portfolios = rows(
        con,
        f"""
        select portfolio_name as portfolio, item_gid as item, item_name as name,
               coalesce(item_status_type, item_status_color, 'no status') as status,
               coalesce(open_task_count, 0) as open, coalesce(overdue_task_count, 0) as overdue
        from {SCHEMA}.asana__portfolio_status order by portfolio_name, item_name
        """,
    )
    users = {t["assignee"]: t["assignee_name"] for t in tasks if t["assignee"]}
    users.update({r["user"]: r["user_name"] for r in time_rows if r["user"]})
    return {
        "today": day(today),
        "as_of": last_successful_run() or last_load(con),
        "workspaces": workspaces,
        "teams": teams,
        "tags": tags,
        "projects": [{k: v for k, v in p.items() if k != "team_name"} for p in projects],
        "users": named(users),
        "tasks": tasks,
        "daily": daily_open(con),
        "time": time_rows,
        "goals": goals,
        "portfolios": portfolios,
    }


def daily_open(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """asana__daily_metrics' open tasks at the end of each day, per (workspace, project), as one array per
    group from the first day (compact: a group per project, not a row per day and project)."""
    found = rows(
        con,
        f"""
        select date_day, workspace_gid as workspace, project_gid as project, open_count
        from {SCHEMA}.asana__daily_metrics order by workspace_gid, project_gid nulls first, date_day
        """,
    )
    if not found:
        return {"start": None, "groups": []}
    start = min(r["date_day"] for r in found)
    days = (max(r["date_day"] for r in found) - start).days + 1
    groups: dict[tuple[str, str | None], list[int]] = {}
    for row in found:
        # Every group has every day (tests/assert_daily_metrics_have_no_gaps.sql): position is the day.
        counts = groups.setdefault((row["workspace"], row["project"]), [0] * days)
        counts[(row["date_day"] - start).days] = int(row["open_count"])
    return {
        "start": day(start),
        "groups": [{"workspace": w, "project": p, "open": counts} for (w, p), counts in groups.items()],
    }


def render(data: dict[str, Any], source: str) -> str:
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    as_of = data["as_of"] or "unknown (no loader timestamp)"
    payload = json.dumps(data, default=str).replace("</", "<\\/")
    page = (HERE / "page.html").read_text(encoding="utf-8")
    return (
        page.replace("/*CSS*/", (HERE / "page.css").read_text(encoding="utf-8"))
        .replace("/*PLOTLY*/", get_plotlyjs())
        .replace("/*APP*/", (HERE / "app.js").read_text(encoding="utf-8"))
        .replace("{{DATA}}", payload)
        .replace("{{AS_OF}}", html.escape(as_of))
        .replace("{{BUILT}}", html.escape(built))
        .replace("{{SOURCE}}", html.escape(source))
    )


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
