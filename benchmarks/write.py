"""`make bench-write`: target-asana against the sandbox at a real rate limit; JSON on stdout.

The sandbox (demo dataset) runs in this process with a per-minute budget; target-asana runs as a child
process with the same budget and writes N tickets (a foreign stream mapped to tasks) three times: the
first run creates them, the second finds them unchanged, the third updates every one. Each run is
measured with and without the Batch API: write requests per record, 429s, and how much of the minute
budget the run kept busy. Under a sliding one-minute window, N requests need at least
`60 x floor((N - 1) / budget)` seconds (a budget's worth at once, then one more budget each minute), so
`budget_use` is that floor over the run's wall time; it is reported only for runs that send more than one
minute's budget (shorter runs are not bound by the limit). Each run starts after the sandbox's window has
emptied (61 s after the previous one), as a scheduled job would.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from asana_sandbox.server import SandboxServer


def _tickets(count: int, version: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"B-{n}",
            "title": f"Benchmark ticket {n}" + (f" (v{version})" if version else ""),
            "body": f"Body of ticket {n}.",
        }
        for n in range(count)
    ]


def _singer(tickets: list[dict[str, Any]]) -> str:
    schema = {
        "type": "object",
        "properties": {k: {"type": ["string", "null"]} for k in ("id", "title", "body")},
    }
    lines = [{"type": "SCHEMA", "stream": "tickets", "schema": schema, "key_properties": ["id"]}]
    lines += [{"type": "RECORD", "stream": "tickets", "record": t} for t in tickets]
    return "".join(json.dumps(line) + "\n" for line in lines)


def _stats(server: SandboxServer) -> dict[str, Any]:
    return requests.get(f"{server.root_url}/_sandbox/stats", timeout=30).json()


WINDOW_SECONDS = 61
_last_end = [0.0]


def _run(server: SandboxServer, config: dict[str, Any], tickets: list[dict[str, Any]], workdir: Path) -> dict:
    # The previous run's requests still count in the sandbox's minute window: start with it empty.
    time.sleep(max(0.0, _last_end[0] + WINDOW_SECONDS - time.monotonic()))
    requests.post(f"{server.root_url}/_sandbox/reset", json={}, timeout=30)
    config_path = workdir / "target.json"
    config_path.write_text(json.dumps(config))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "target_asana", "--config", str(config_path)],
        input=_singer(tickets),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    _last_end[0] = time.monotonic()
    if done.returncode != 0:
        raise SystemExit(f"target-asana failed: {done.stderr[-2000:]}")
    stats = _stats(server)["requests"]
    by_route = stats["by_route"]
    writes = sum(
        n for route, n in by_route.items() if not route.startswith("GET ") and route != "POST /batch"
    )
    # The batch request itself costs nothing against Asana's limits; its actions are counted as routes.
    counted = stats["total"] - by_route.get("POST /batch", 0)
    budget = config["requests_per_minute"]
    return {
        "records": len(tickets),
        "wall_seconds": round(wall, 2),
        "records_per_minute": round(len(tickets) / wall * 60, 1),
        "requests": counted,
        "http_calls": stats["total"],
        "write_requests": writes,
        "write_requests_per_record": round(writes / len(tickets), 3),
        "rate_limited_429": stats["by_status"].get("429", 0),
        "budget_use": round(60 * ((counted - 1) // budget) / wall, 3) if counted > budget else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--requests-per-minute", type=int, default=200)
    args = parser.parse_args()
    server = SandboxServer("demo", requests_per_minute=args.requests_per_minute).start()
    try:
        project = next(p for p in server.store.all("project") if not p.get("archived"))
        results: dict[str, Any] = {"records": args.records, "requests_per_minute": args.requests_per_minute}
        for batch in (True, False):
            with tempfile.TemporaryDirectory() as tmp:
                config = {
                    "access_token": server.token,
                    "api_url": server.base_url,
                    "requests_per_minute": args.requests_per_minute,
                    "workspace": project["workspace"]["gid"],
                    "use_batch_api": batch,
                    "rejects_file": str(Path(tmp) / "rejects.jsonl"),
                    "mappings": {
                        "tickets": {
                            "key": "id",
                            "project": project["gid"],
                            "fields": {"name": "title", "notes": "body"},
                        }
                    },
                }
                # Each mode writes its own tickets (another key prefix), so both start from nothing.
                key = "batch" if batch else "single"
                tickets = [{**t, "id": f"{key}-{t['id']}"} for t in _tickets(args.records, 0)]
                changed = [{**t, "title": t["title"] + " (edited)"} for t in tickets]
                results[f"{key}_api"] = {
                    "create": _run(server, config, tickets, Path(tmp)),
                    "unchanged": _run(server, config, tickets, Path(tmp)),
                    "update": _run(server, config, changed, Path(tmp)),
                }
        print(json.dumps(results, indent=2))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
