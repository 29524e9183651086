"""STATE at a bounded rate: few messages, the same final state, and nothing lost when a run is resumed."""

from __future__ import annotations

import io
import json

from singer_sdk.io_base import SingerWriter

from tap_asana.state_pacing import PacedStateWriter
from tests.tap.expected import workspaces_with_events
from tests.tap.tap_runner import run_tap, tap_config

STREAMS = ["tasks", "stories", "attachments", "sections", "status_updates"]


def _bookmarks(state: dict) -> dict:
    """(stream, partition) -> bookmark: what a resumed run starts from (tokens differ from run to run)."""
    out = {}
    for stream, entry in state["bookmarks"].items():
        for partition in entry.get("partitions", [entry]):
            key = (stream, json.dumps(partition.get("context", {}), sort_keys=True))
            out[key] = partition.get("replication_key_value")
    return out


def test_a_run_writes_a_few_states_and_ends_with_the_same_one(sandbox_factory) -> None:
    unpaced_sandbox, paced_sandbox = sandbox_factory(), sandbox_factory()
    unpaced = run_tap(tap_config(unpaced_sandbox, state_interval_seconds=0), streams=STREAMS)
    paced = run_tap(tap_config(paced_sandbox), streams=STREAMS)  # default: one a minute at most
    assert len(unpaced.states) > 50
    # The workspaces' first events tokens, kept before any record (so a task partition's first token need
    # not be), and the last state; plus, where the workspace's events cannot be read (below Enterprise), one
    # per project whose first events token must be kept before its tasks.
    with paced_sandbox.store.lock:
        tracked = set(workspaces_with_events(paced_sandbox.store))
        projects = paced_sandbox.store.all("project")
        untracked_projects = [p for p in projects if p["workspace"]["gid"] not in tracked]
    assert len(paced.states) <= 3 + len(untracked_projects), len(paced.states)
    assert _bookmarks(paced.state) == _bookmarks(unpaced.state)
    assert {s: sorted(paced.gids(s)) for s in STREAMS} == {s: sorted(unpaced.gids(s)) for s in STREAMS}


def test_an_incremental_run_from_a_paced_state_finds_every_change(sandbox) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams=STREAMS)
    answer = sandbox.control("mutate", {"fraction": 0.1, "seed": 5})
    second = run_tap(config, streams=STREAMS, state=first.state)
    changed = set(answer["edited"]) | set(answer["created"])
    assert changed and changed <= set(second.gids("tasks"))


def test_the_writer_skips_early_writes_and_flushes_on_demand() -> None:
    out = io.StringIO()
    writer = PacedStateWriter(SingerWriter(), interval=3600)
    writer._message_writer.write_message = lambda message: out.write(json.dumps(message.to_dict()) + "\n")
    writer.write_state({"bookmarks": {"a": {"n": 1}}})  # the first is written
    writer.write_state({"bookmarks": {"a": {"n": 2}}})  # too soon: skipped
    writer.write_state({"bookmarks": {"a": {"n": 3}}})
    writer.flush({"bookmarks": {"a": {"n": 3}}})  # forced: the latest
    writer.flush({"bookmarks": {"a": {"n": 3}}})  # unchanged: nothing new
    values = [json.loads(line)["value"]["bookmarks"]["a"]["n"] for line in out.getvalue().splitlines()]
    assert values == [1, 3]
    assert (writer.written, writer.skipped) == (2, 2)
