"""The tickets demo through Meltano: demo/tickets.csv -> tap-csv-files -> target-asana -> the sandbox, twice,
then tap-asana -> target-duckdb finds the tickets again."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pipeline
import pytest
import yaml

from asana_sandbox.server import SandboxServer, build_app
from asana_sandbox.store import Store
from tests.sandbox_client import SandboxClient

REPO = Path(__file__).resolve().parents[2]
TICKETS_CSV = REPO / "demo" / "tickets.csv"
WORKSPACE = "Acme Corp"
# What the `tickets` stream map of meltano.yml's sandbox environment computes.
SECTION_OF_STATUS = {"open": "To do", "pending": "Waiting on others", "closed": "To do"}
KEY_FIELD = "Sync key"
TOTALS = re.compile(r"target-asana: records that were: (.*?\d+ rejected)")


def tickets() -> list[dict[str, str]]:
    with TICKETS_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def mapping() -> dict[str, Any]:
    """The `tickets` entry of target-asana's `mappings` in the sandbox environment of meltano.yml."""
    meltano = yaml.safe_load((REPO / "meltano.yml").read_text())
    sandbox = next(e for e in meltano["environments"] if e["name"] == "sandbox")
    target = next(p for p in sandbox["config"]["plugins"]["loaders"] if p["name"] == "target-asana")
    return target["config"]["mappings"]["tickets"]


def expected_task(row: dict[str, str]) -> dict[str, Any]:
    """What a ticket should look like in Asana, per the mapping and stream map of meltano.yml."""
    return {
        "name": row["title"],
        "notes": f"{row['description']}\n\nRequested by {row['requester_email']}",
        "section": SECTION_OF_STATUS[row["status"]],
        "completed": row["status"] == "closed",
        "assignee": row["assignee_email"] or None,
        "due_on": row["due_date"] or None,
        "Priority": row["priority"],
        "Ticket ID": row["id"],
    }


def ticket_tasks(store: Store, project_name: str) -> dict[str, dict[str, Any]]:
    """The project's tasks that carry a `tickets:` key, by key, in the form of `expected_task`."""
    emails = {u["gid"]: u.get("email") for u in store.all("user")}
    found: dict[str, dict[str, Any]] = {}
    for task in store.all("task"):
        sections = [
            (m.get("section") or {}).get("name")
            for m in task.get("memberships") or ()
            if (m.get("project") or {}).get("name") == project_name
        ]
        values = {f["name"]: f.get("display_value") for f in task.get("custom_fields") or ()}
        key = values.get(KEY_FIELD) or ""
        if not sections or not key.startswith("tickets:"):
            continue
        assert key not in found, f"two tasks hold the key {key}"
        found[key] = {
            "name": task["name"],
            "notes": task.get("notes"),
            "section": sections[0],
            "completed": bool(task.get("completed")),
            "assignee": emails.get((task.get("assignee") or {}).get("gid")),
            "due_on": task.get("due_on"),
            "Priority": values.get("Priority"),
            "Ticket ID": values.get("Ticket ID"),
        }
    return found


def writes(stats: dict[str, Any]) -> dict[str, int]:
    """Write requests by route: every non-GET route except `POST /batch` (its actions count on their own)."""
    return {
        route: n
        for route, n in stats["requests"]["by_route"].items()
        if not route.startswith("GET ") and route != "POST /batch"
    }


def totals(output: str) -> str:
    found = TOTALS.findall(output)
    assert len(found) == 1, f"expected one summary line from target-asana, found {found}"
    return found[0]


def test_tickets_csv_fits_the_demo_dataset():
    """Every name the CSV and the mapping use exists in the demo dataset (fails fast when the data drifts)."""
    store = build_app("demo").store
    wanted = mapping()
    workspace = next(w for w in store.all("workspace") if w["name"] == WORKSPACE)
    projects = [
        p
        for p in store.all("project")
        if p["name"] == wanted["project"] and p["workspace"]["gid"] == workspace["gid"]
    ]
    assert len(projects) == 1, f"the demo dataset has no single project named {wanted['project']!r}"
    project = projects[0]
    sections = {s["name"] for s in store.all("section") if s["project"]["gid"] == project["gid"]}
    assert set(SECTION_OF_STATUS.values()) <= sections, f"sections of {project['name']}: {sorted(sections)}"
    on_project = {
        s["custom_field"]["gid"]
        for s in store.all("custom_field_setting")
        if (s.get("parent") or s.get("project") or {}).get("gid") == project["gid"]
    }
    fields = {f["name"]: f for f in store.all("custom_field") if f["gid"] in on_project}
    assert set(wanted["custom_fields"]) <= set(fields), (
        f"custom fields of {project['name']}: {sorted(fields)}"
    )
    options = {o["name"] for o in fields["Priority"]["enum_options"]}
    emails = {u.get("email") for u in store.all("user")}
    rows = tickets()
    assert len(rows) == len({r["id"] for r in rows}) >= 30
    for row in rows:
        assert row["status"] in SECTION_OF_STATUS, row
        assert row["priority"] in options, row
        assert row["requester_email"] in emails, row
        assert row["assignee_email"] in emails | {""}, row


@pytest.mark.e2e
def test_tickets_csv_into_asana_then_again_then_back_into_duckdb(meltano_run):
    project = mapping()["project"]
    rows = tickets()
    expected = {f"tickets:{row['id']}": expected_task(row) for row in rows}
    server = SandboxServer("demo", port=0, requests_per_minute=1_000_000).start()
    sandbox = SandboxClient(server)
    rejects = meltano_run.workdir / "rejects.jsonl"
    env = {
        **pipeline.sandbox_env(server.base_url, server.token),
        "TARGET_ASANA_REQUESTS_PER_MINUTE": "1000000",
        "TARGET_ASANA_REJECTS_FILE": str(rejects),
    }
    try:
        assert ticket_tasks(server.store, project) == {}

        # First run: one task per row, as the mapping says.
        sandbox.control("reset", {})
        first = meltano_run("run", "tickets-to-asana", **env)
        first_writes = writes(sandbox.control("stats"))
        summary = totals(first.stdout + first.stderr)
        assert summary.startswith(f"{len(rows)} created, 0 updated, 0 unchanged"), summary
        assert first_writes.get("POST /tasks") == len(rows), first_writes
        assert ticket_tasks(server.store, project) == expected
        assert not rejects.exists(), rejects.read_text()

        # Second run, same CSV: every ticket is found by its key and matches, so no write request at all.
        sandbox.control("reset", {})
        second = meltano_run("run", "tickets-to-asana", **env)
        assert writes(sandbox.control("stats")) == {}
        summary = totals(second.stdout + second.stderr)
        assert summary.startswith(f"0 created, 0 updated, {len(rows)} unchanged"), summary
        assert ticket_tasks(server.store, project) == expected

        # tap-asana reads them back into DuckDB.
        select = json.dumps(["projects.*", "tasks.*"])
        meltano_run("run", "tap-asana", "target-duckdb", **env, TAP_ASANA__SELECT=select)
    finally:
        server.stop()
    loaded = pipeline.duckdb_queries(
        [
            f"select gid, name, completed, memberships, custom_fields from {pipeline.RAW_SCHEMA}.tasks",
            f"select gid from {pipeline.RAW_SCHEMA}.projects where name = '{project}'",
        ],
        meltano_run.duckdb_path,
    )
    project_gids = {p["gid"] for p in loaded[1]}
    in_duckdb = {}
    for task in loaded[0]:
        values = {f["name"]: f.get("display_value") for f in json.loads(task["custom_fields"] or "[]")}
        memberships = json.loads(task["memberships"] or "[]")
        if (values.get(KEY_FIELD) or "").startswith("tickets:") and any(
            (m.get("project") or {}).get("gid") in project_gids for m in memberships
        ):
            in_duckdb[values[KEY_FIELD]] = (task["name"], str(task["completed"]).lower() == "true")
    assert in_duckdb == {key: (t["name"], t["completed"]) for key, t in expected.items()}
