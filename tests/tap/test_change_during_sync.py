"""The sandbox changes while the tap reads it (edits, comments, new tasks and subtasks, moves, deletions):
a full sync during the changes, then one incremental run, must together hold everything a fresh full sync
finds, each task as it is now, and a tombstone for each deleted one. The same with kill -9 and a resume."""

from __future__ import annotations

import random

import pytest

from tests.tap.change_during_sync import STREAMS, lost, mutating, run_killed, write_inputs
from tests.tap.tap_runner import run_tap, tap_config

#: Seeds run by default; the rest run under `-m slow` (each case takes a few seconds).
QUICK = [1, 2, 3]
MORE = [4, 5, 6, 7, 8, 9, 10, 11]


def _seeds() -> list:
    return [*QUICK, *(pytest.param(seed, marks=pytest.mark.slow) for seed in MORE)]


@pytest.mark.parametrize("seed", _seeds())
def test_full_sync_while_changing_then_incremental_loses_nothing(sandbox, seed) -> None:
    config = tap_config(sandbox)
    with mutating(sandbox, seed) as changes:
        first = run_tap(config, streams=STREAMS)
    second = run_tap(config, streams=STREAMS, state=first.state)
    fresh = run_tap(config, streams=STREAMS)

    assert changes.answers, "no mutation happened during the full sync"
    assert lost([first, second], fresh, changes) == {}


@pytest.mark.parametrize("seed", _seeds())
def test_killed_and_resumed_while_changing_then_incremental_loses_nothing(sandbox, tmp_path, seed) -> None:
    config = tap_config(sandbox)
    config_path, catalog_path = write_inputs(tmp_path, config)
    rng = random.Random(seed)
    runs = []
    with mutating(sandbox, seed) as changes:
        # Killed twice at random points (a count of output lines), resumed from the last STATE each time.
        state = None
        for _ in range(2):
            killed = run_killed(config_path, catalog_path, state, rng.randrange(20, 400), tmp_path)
            runs.append(killed)
            state = killed.state or state
        runs.append(run_tap(config, streams=STREAMS, state=state))
    runs.append(run_tap(config, streams=STREAMS, state=runs[-1].state))
    fresh = run_tap(config, streams=STREAMS)

    assert changes.answers, "no mutation happened during the killed runs"
    assert lost(runs, fresh, changes) == {}
