"""`make bench`: a full and an incremental sync of the `bench` dataset, measured; JSON on stdout.

The sandbox runs in this process, the tap in a child process (so its peak memory is its own). By
default neither side throttles, which measures the tap itself; `--requests-per-minute N` sets both the
sandbox's limit and the tap's budget to N (Asana: 150 free, 1500 paid) and measures a real-rate run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from asana_sandbox.server import SandboxServer
from benchmarks.lower_bound import full_sync, incremental_sync

UNLIMITED = 1_000_000


class PeakMemory(threading.Thread):
    """Polls the child's VmHWM (peak resident set since exec).

    `wait4`'s `ru_maxrss` would count the pages the child shared with this process between fork and
    exec, i.e. the sandbox's whole dataset.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while not self.done.wait(0.1):
            try:
                text = status.read_text()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kib = max(self.peak_kib, int(line.split()[1]))


def run_tap(config: dict[str, Any], state: dict | None, workdir: Path) -> dict[str, Any]:
    """One sync in a child process: records per stream, last state, wall time and peak RSS."""
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config))
    command = [sys.executable, "-m", "tap_asana", "--config", str(config_path)]
    if state is not None:
        state_path = workdir / "state.json"
        state_path.write_text(json.dumps(state))
        command += ["--state", str(state_path)]
    records: Counter = Counter()
    last_state = None
    started = time.perf_counter()
    with (workdir / "tap.log").open("w") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1 << 16)
        assert process.stdout is not None
        peak = PeakMemory(process.pid)
        peak.start()
        for line in process.stdout:
            message = json.loads(line)
            if message["type"] == "RECORD":
                records[message["stream"]] += 1
            elif message["type"] == "STATE":
                last_state = message["value"]
        peak.done.set()
        peak.join()
        status = process.wait()
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"tap failed (status {status}); see {workdir / 'tap.log'}")
    total = sum(records.values())
    return {
        "records_per_stream": dict(sorted(records.items())),
        "records": total,
        "wall_seconds": round(wall, 2),
        "records_per_second": round(total / wall, 1) if wall else None,
        "peak_memory_mb": round(peak.peak_kib / 1024, 1),
        "state": last_state,
    }


def measure(sandbox: SandboxServer, config: dict, state: dict | None, bound: dict, workdir: Path) -> dict:
    requests.post(f"{sandbox.root_url}/_sandbox/reset", timeout=30).raise_for_status()
    result = run_tap(config, state, workdir)
    stats = requests.get(f"{sandbox.root_url}/_sandbox/stats", timeout=30).json()
    made = stats["requests"]["total"]
    lower = sum(bound.values())
    result["http_requests"] = made
    result["http_requests_by_status"] = stats["requests"]["by_status"]
    result["http_requests_by_route"] = dict(sorted(stats["requests"]["by_route"].items()))
    result["rate_limited"] = stats["rate_limited"]
    result["lower_bound_requests"] = lower
    result["requests_over_lower_bound"] = round(made / lower, 3) if lower else None
    result["lower_bound_by_stream"] = bound
    result["minutes_at_150_rpm"] = round(made / 150, 1)
    result["minutes_at_1500_rpm"] = round(made / 1500, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="bench")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests-per-minute", type=int, default=None)
    parser.add_argument("--mutate-fraction", type=float, default=0.05)
    args = parser.parse_args()

    rpm = args.requests_per_minute or UNLIMITED
    started = time.perf_counter()
    with (
        SandboxServer(args.dataset, seed=args.seed, requests_per_minute=rpm) as sandbox,
        tempfile.TemporaryDirectory(prefix="tap-asana-bench-") as tmp,
    ):
        build_seconds = round(time.perf_counter() - started, 2)  # dataset generation + server start
        config = {"access_token": sandbox.token, "api_url": sandbox.base_url, "requests_per_minute": rpm}
        objects = sandbox.store.counts()
        full = measure(sandbox, config, None, full_sync(sandbox.store), Path(tmp))
        mutation = requests.post(
            f"{sandbox.root_url}/_sandbox/mutate",
            json={"fraction": args.mutate_fraction, "seed": 7},
            timeout=600,
        ).json()
        changed = set(mutation["changed_tasks"]) | set(mutation["moved"])
        bound = incremental_sync(sandbox.store, changed)
        incremental = measure(sandbox, config, full.pop("state"), bound, Path(tmp))
        incremental.pop("state")
        report = {
            "dataset": args.dataset,
            "seed": args.seed,
            "requests_per_minute": args.requests_per_minute or "unlimited",
            "sandbox_build_seconds": build_seconds,
            "objects_before_mutation": objects,
            "full": full,
            "mutation": {k: len(v) for k, v in mutation.items() if isinstance(v, list)},
            "incremental": incremental,
        }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
