"""Helpers for the change-during-sync tests: a sandbox that keeps changing, the tap as a process that can be
killed, and the check that what several runs emitted, taken together, is what a fresh full sync finds."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tap_asana.streams.tasks import DELETED_AT
from tests.tap.tap_runner import SyncResult, selected_catalog

#: Streams whose records the check compares: tasks at every depth, and what hangs on them.
STREAMS = ("tasks", "stories", "attachments")
#: Share of the sandbox's tasks one mutation changes (a few tasks of the demo dataset per call).
FRACTION = 0.03


class Changes:
    """What the mutations did: their answers, and the parent of every task seen (deleted ones included)."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.answers: list[dict] = []
        self.parents: dict[str, str] = {}
        self.note_parents()

    def note_parents(self) -> None:
        with self.sandbox.store.lock:
            for task in self.sandbox.store.all("task"):
                if task.get("parent"):
                    self.parents[task["gid"]] = task["parent"]["gid"]

    def parents_of_deleted(self) -> set[str]:
        return {self.parents[g] for answer in self.answers for g in answer["deleted"] if g in self.parents}


@contextmanager
def mutating(sandbox: Any, seed: int, every: float = 0.2) -> Iterator[Changes]:
    """Mutate the sandbox (`POST /_sandbox/mutate`) every `every` seconds until the block ends."""
    done = threading.Event()
    changes = Changes(sandbox)
    rng = random.Random(seed)

    def loop() -> None:
        while not done.wait(every):
            answer = sandbox.control("mutate", {"fraction": FRACTION, "seed": rng.randrange(2**31)})
            changes.answers.append(answer)
            changes.note_parents()

    thread = threading.Thread(target=loop, name=f"mutate-{seed}", daemon=True)
    thread.start()
    try:
        yield changes
    finally:
        done.set()
        thread.join()


def write_inputs(directory: Path, config: dict[str, Any]) -> tuple[Path, Path]:
    """The config and catalog files a tap process reads."""
    config_path, catalog_path = directory / "config.json", directory / "catalog.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)
    catalog_path.write_text(json.dumps(selected_catalog(config, STREAMS)))
    return config_path, catalog_path


def run_killed(
    config_path: Path, catalog_path: Path, state: dict | None, kill_after: int, tmp: Path
) -> SyncResult:
    """Run the tap as a process and kill -9 it after `kill_after` output lines (or let it finish first).

    The result holds what it wrote up to then; `state` is its last complete STATE message.
    """
    args = [sys.executable, "-m", "tap_asana", "--config", str(config_path), "--catalog", str(catalog_path)]
    if state is not None:
        state_path = tmp / f"state-{os.getpid()}-{kill_after}.json"
        state_path.write_text(json.dumps(state))
        args += ["--state", str(state_path)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if len(lines) >= kill_after:
            process.send_signal(signal.SIGKILL)
            break
    process.stdout.close()
    process.wait()
    return parse_messages(lines)


def parse_messages(lines: Iterable[str]) -> SyncResult:
    """Singer messages into a SyncResult; a line cut by the kill is dropped (no loader sees it either)."""
    result = SyncResult()
    for line in lines:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if message["type"] == "RECORD":
            result.records[message["stream"]].append(message["record"])
        elif message["type"] == "STATE":
            result.states.append(message["value"])
    return result


def latest(runs: Iterable[SyncResult], stream: str) -> dict[str, dict]:
    """gid -> the last record emitted for it, runs in order (what an upsert on the key leaves)."""
    out: dict[str, dict] = {}
    for run in runs:
        for record in run.records.get(stream, []):
            out[record["gid"]] = record
    return out


def lost(runs: list[SyncResult], fresh: SyncResult, changes: Changes) -> dict[str, Any]:
    """What the runs, loaded in order with upserts, miss or get wrong next to `fresh`; empty if nothing."""
    problems: dict[str, Any] = {}
    tasks = latest(runs, "tasks")
    truth = latest([fresh], "tasks")
    # The README's stated limit: a tree whose top task is unassigned and in no project is in no list the
    # API offers; once it leaves its last project unassigned, its later subtasks and changes are not seen.
    blind = {gid for gid in truth if _out_of_sight(truth, gid)}
    missing = sorted(set(truth) - set(tasks) - blind)
    # Asana names no parent when a subtask is deleted and the parent's `modified_at` does not move: its
    # `num_subtasks` is refreshed when it next changes (a limit the README states).
    dropped = changes.parents_of_deleted()
    stale = {
        gid: (_shape(tasks[gid]), _shape(record))
        for gid, record in sorted(truth.items())
        if gid in tasks
        and gid not in blind
        and (
            tasks[gid].get(DELETED_AT) or _shape(tasks[gid], gid in dropped) != _shape(record, gid in dropped)
        )
    }
    # A task the fresh sync does not find was deleted (or became invisible): the runs must say so.
    undeleted = {
        gid: _where(record)
        for gid, record in sorted(tasks.items())
        if gid not in truth and not record.get(DELETED_AT)
    }
    for name, value in (
        ("missing tasks", missing),
        ("stale tasks", stale),
        ("deleted, no tombstone", undeleted),
    ):
        if value:
            problems[name] = value
    for stream in STREAMS[1:]:
        emitted = latest(runs, stream)
        truth_of_stream = latest([fresh], stream)
        if gone := sorted(set(truth_of_stream) - set(emitted)):
            parents = {truth_of_stream[g].get("task_gid") for g in gone}
            problems[f"missing {stream}"] = {
                g: _where(tasks[g]) if g in tasks else None for g in parents if g
            }
    return problems


def _out_of_sight(truth: dict[str, dict], gid: str) -> bool:
    """Whether the task's top-level ancestor (as the fresh sync finds it) is unassigned and in no project."""
    task = truth[gid]
    while (parent := (task.get("parent") or {}).get("gid")) in truth:
        task = truth[parent]
    return not task.get("projects") and not task.get("assignee") and not task.get("parent")


def _shape(task: dict, lost_a_subtask: bool = False) -> tuple:
    """What must be current in a task: its version, and where it is (a move does not change the version)."""
    return (
        task.get("modified_at"),
        [p["gid"] for p in task.get("projects") or ()],
        (task.get("parent") or {}).get("gid"),
        None if lost_a_subtask else task.get("num_subtasks"),
    )


def _where(task: dict) -> dict:
    """Where the task was when last emitted (to tell which path of the tap a problem is on)."""
    return {
        "projects": [p["gid"] for p in task.get("projects") or ()],
        "parent": (task.get("parent") or {}).get("gid"),
        "assignee": (task.get("assignee") or {}).get("gid"),
    }
