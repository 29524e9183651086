"""`make demo-target`: a CSV of support tickets -> target-asana -> the Asana sandbox, then back into DuckDB.

1. installs Meltano and the plugins of `meltano.yml` (first run only), among them `tap-csv-files`
   (demo/tap-csv-files) and `target-asana`;
2. starts the Asana sandbox with the `demo` dataset on a free loopback port;
3. `meltano run tickets-to-asana` (tap-csv-files -> target-asana with the `tickets` mapping of the `sandbox`
   environment): demo/tickets.csv becomes tasks of the project "H2 Website Relaunch";
4. the same job again: every ticket is found by its key and matches Asana, so nothing is written;
5. `meltano run tap-asana target-duckdb` (projects and tasks only) into `output/tickets-demo.duckdb`, reading
   and saving no state (`make demo`'s incremental state stays as it was); prints the tickets found there.

The summary lines of target-asana come from Meltano's log; each step's full log is in `output/logs/`.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import (
    OUTPUT,
    RAW_SCHEMA,
    REPO,
    PipelineError,
    duckdb_queries,
    ensure_plugins,
    log,
    meltano,
    sandbox_env,
)

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer

TICKETS_CSV = REPO / "demo" / "tickets.csv"
PROJECT = "H2 Website Relaunch"
KEY_FIELD = "Sync key"
DUCKDB_FILE = OUTPUT / "tickets-demo.duckdb"
# Reading back needs only these two streams (the tap still walks the parents it needs to find tasks).
READ_BACK_STREAMS = ["projects.*", "tasks.*"]
# target-asana's end-of-run summary in Meltano's log: the totals, one line per stream, the user who wrote.
_MESSAGE = re.compile(r"\] target-asana (.*)$")
_SUMMARY = re.compile(r"^target-asana(?: \(dry run\))?: (records that|writes were made as)")
_STREAM_LINE = re.compile(r"^  \w+: ")
_TOTALS = re.compile(r"(\d+) (created|updated|unchanged|skipped|deleted|rejected)")


def run_step(step: str, *args: str, env: dict[str, str], logs: Path) -> tuple[str, float]:
    """Run `meltano <args>`, keep its output in `logs/<step>.log`; return the output and the seconds taken."""
    log(f"meltano {' '.join(args)}")
    started = time.monotonic()
    log_file = logs / f"{step}.log"
    try:
        result = meltano(*args, env={**env, "MELTANO_CLI_LOG_LEVEL": "info"}, capture=True)
    except PipelineError as exc:
        log_file.write_text(str(exc))
        tail = "\n".join(str(exc).splitlines()[-40:])
        raise PipelineError(f"step '{step}' failed; full log: {log_file}\n{tail}") from None
    output = result.stdout + result.stderr
    log_file.write_text(output)
    return output, time.monotonic() - started


def target_summary(output: str) -> list[str]:
    """target-asana's summary lines as found in Meltano's log (the totals, then the per-stream counts)."""
    lines: list[str] = []
    for line in output.splitlines():
        found = _MESSAGE.search(line)
        if found is None:
            continue
        message = found.group(1).rstrip()
        if _SUMMARY.match(message) or (lines and _STREAM_LINE.match(message)):
            lines.append(message)
    if not lines:
        raise PipelineError("target-asana logged no summary line (see the step's log)")
    return lines


def totals(summary: list[str]) -> dict[str, int]:
    """The counts of the summary's totals line: created, updated, unchanged..."""
    return {outcome: int(n) for n, outcome in _TOTALS.findall(summary[0])}


def tickets_in_duckdb(db: Path) -> list[dict[str, Any]]:
    """The project's tasks that carry a ticket key, read from the raw `tasks` table."""
    projects, tasks = duckdb_queries(
        [
            f"select gid from {RAW_SCHEMA}.projects where name = '{PROJECT}'",
            f"select name, completed, due_on, assignee, memberships, custom_fields from {RAW_SCHEMA}.tasks "
            "where _sdc_deleted_at is null",
        ],
        db,
    )
    project_gids = {p["gid"] for p in projects}
    found = []
    for task in tasks:
        memberships = json.loads(task["memberships"] or "[]")
        in_project = [m for m in memberships if (m.get("project") or {}).get("gid") in project_gids]
        section = (in_project[0].get("section") or {}).get("name") if in_project else None
        fields = {f["name"]: f.get("display_value") for f in json.loads(task["custom_fields"] or "[]")}
        if section is None or not (fields.get(KEY_FIELD) or "").startswith("tickets:"):
            continue
        assignee = json.loads(task["assignee"]) if task["assignee"] else None
        found.append(
            {
                "ticket": fields.get("Ticket ID"),
                "section": section,
                "priority": fields.get("Priority"),
                "completed": str(task["completed"]).lower() == "true",
                "assignee": (assignee or {}).get("name") or "",
                "due_on": task["due_on"] or "",
                "name": task["name"],
            }
        )
    return sorted(found, key=lambda t: t["ticket"] or "")


def print_tickets(tickets: list[dict[str, Any]], expected: int) -> None:
    where = f"{DUCKDB_FILE.relative_to(REPO)}, project {PROJECT!r}"
    print(f"\n{len(tickets)} of the {expected} tickets of {TICKETS_CSV.name} found back in {where}:")
    print(f"  {'ticket':<9} {'section':<18} {'priority':<9} {'done':<5} {'assignee':<16} {'due':<11} name")
    for t in tickets:
        print(
            f"  {t['ticket'] or '?':<9} {t['section']:<18} {t['priority'] or '':<9} "
            f"{'yes' if t['completed'] else '':<5} {t['assignee'][:16]:<16} {t['due_on']:<11} {t['name']}"
        )


def main() -> int:
    begin = time.monotonic()
    ensure_plugins()
    logs = OUTPUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with TICKETS_CSV.open(newline="", encoding="utf-8") as handle:
        expected = sum(1 for _ in csv.DictReader(handle))

    server = SandboxServer("demo", port=0).start()  # Enterprise tier: 1,500 requests a minute
    try:
        log(f"Asana sandbox (demo dataset) at {server.base_url}")
        env = {
            **sandbox_env(server.base_url, DEFAULT_TOKEN),
            "MELTANO_ENVIRONMENT": "sandbox",
            "TARGET_DUCKDB_FILEPATH": str(DUCKDB_FILE),
        }
        for step, what in (("tickets-first-run", "first run"), ("tickets-second-run", "same CSV again")):
            output, seconds = run_step(step, "run", "tickets-to-asana", env=env, logs=logs)
            log(f"{what}: {seconds:.1f} s")
            summary = target_summary(output)
            for line in summary:
                print(f"    {line}")
        counts = totals(summary)
        if counts.get("created") or counts.get("updated") or counts.get("unchanged") != expected:
            raise PipelineError(f"the second run was to change nothing, but: {summary[0]}")
        DUCKDB_FILE.unlink(missing_ok=True)
        _, seconds = run_step(
            "tickets-read-back",
            *("run", "tap-asana", "target-duckdb", "--full-refresh", "--no-state-update"),
            env={**env, "TAP_ASANA__SELECT": json.dumps(READ_BACK_STREAMS)},
            logs=logs,
        )
        log(f"tap-asana -> DuckDB (streams {', '.join(READ_BACK_STREAMS)}): {seconds:.1f} s")
    finally:
        server.stop()

    tickets = tickets_in_duckdb(DUCKDB_FILE)
    print_tickets(tickets, expected)
    print(f"\nLogs in {logs}/tickets-*.log. Took {time.monotonic() - begin:.0f} s.")
    if len(tickets) != expected:
        raise PipelineError(f"{expected} tickets in {TICKETS_CSV.name}, {len(tickets)} found back in DuckDB")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PipelineError as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
