"""A full sync emits every record the sandbox's API exposes, once, for every stream."""

from __future__ import annotations

import pytest

from tap_asana.streams import SPECS
from tests.tap.expected import emitted_gids, expected_gids
from tests.tap.tap_runner import run_tap, tap_config

# `webhook_events` reads the webhook receiver's queue, not the API (tests/webhooks covers it); `events` are
# changes, not objects, and come only after the first run (tests/tap/test_events_stream.py).
ALL_STREAMS = [spec.name for spec in SPECS if spec.name not in ("webhook_events", "events")]


def _assert_complete(sandbox, result) -> None:
    problems = {}
    for stream in ALL_STREAMS:
        emitted = emitted_gids(result, stream)
        expected = expected_gids(sandbox.store, stream)
        if set(emitted) != expected or len(emitted) != len(set(emitted)):
            problems[stream] = {
                "missing": sorted(expected - set(emitted))[:5],
                "unexpected": sorted(set(emitted) - expected)[:5],
                "duplicates": len(emitted) - len(set(emitted)),
            }
    assert not problems


def test_demo_full_sync_emits_every_record(sandbox) -> None:
    result = run_tap(tap_config(sandbox, start_date="2000-01-01T00:00:00Z"))
    _assert_complete(sandbox, result)
    # Every stream of the issue has data in the demo dataset, so the comparison is not vacuous.
    assert {s for s in ALL_STREAMS if not emitted_gids(result, s)} == set()


@pytest.mark.slow
def test_bench_full_sync_emits_every_record(sandbox_factory) -> None:
    sandbox = sandbox_factory("bench")
    result = run_tap(tap_config(sandbox))
    _assert_complete(sandbox, result)
