"""Paid and enterprise endpoints: a 402/403 skips that stream's partition, the run goes on, and the end of the
run carries one summary of the streams the plan could not read (not a warning per partition)."""

from __future__ import annotations

import logging

from tap_asana.tap import TapAsana
from tests.tap.tap_runner import run_tap, tap_config

GATED = [
    "goals",
    "goal_relationships",
    "allocations",
    "audit_log_events",
    "access_requests",
    "project_briefs",
]


def _workspaces(sandbox, tier: str) -> list[str]:
    return [w["gid"] for w in sandbox.store.all("workspace") if w.get("_tier", "free") == tier]


def _summaries(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "could not be read where the workspace's plan" in r.getMessage()
    ]


def test_premium_streams_skip_free_workspace_and_keep_going(sandbox, caplog) -> None:
    (free,) = _workspaces(sandbox, "free")
    with caplog.at_level(logging.INFO):
        streams = ["workspaces", "projects", "tasks", "goals", "audit_log_events", "tags"]
        result = run_tap(tap_config(sandbox), streams=streams)
    notes = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    for stream in ("goals", "audit_log_events"):
        assert any(
            f"Skipping stream '{stream}'" in n and f"workspace_gid={free}" in n and "402" in n for n in notes
        ), stream
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # Not buried: no warning per skipped partition, nor the SDK's per-partition "assumed to be unsorted" note.
    assert not [w for w in warnings if "Skipping stream" in w or "assumed to be unsorted" in w]
    # One summary; the paid workspace read both streams, so nothing is suggested for deselection.
    (summary,) = _summaries(caplog)
    assert "  goals: needs a paid plan" in summary and "402 in 1 partition(s) of 1 workspace(s)" in summary
    assert "  audit_log_events: needs an Enterprise plan" in summary
    assert "keep it selected" in summary and "meltano select" not in summary
    # The paid workspace's records are all there, and streams after the gated ones still ran.
    paid_goals = [g["gid"] for g in sandbox.store.all("goal") if g["workspace"]["gid"] != free]
    assert sorted(result.gids("goals")) == sorted(paid_goals)
    assert len(result.gids("audit_log_events")) == len(sandbox.store.all("audit_log_event"))
    assert sorted(result.gids("tags")) == sorted(t["gid"] for t in sandbox.store.all("tag"))


def test_everything_free_still_completes(sandbox_factory, caplog) -> None:
    sandbox = sandbox_factory(tier="free")
    with caplog.at_level(logging.INFO):
        result = run_tap(tap_config(sandbox), streams=["workspaces", "projects", "sections", *GATED])
    for stream in GATED:
        assert result.gids(stream) == []
    skipped = {r.getMessage().split("'")[1] for r in caplog.records if "Skipping stream" in r.getMessage()}
    refused = {"goals", "allocations", "audit_log_events", "access_requests", "project_briefs"}
    assert refused <= skipped
    # Each stream's first refusal is noted once above DEBUG, however many partitions refused it.
    firsts = [r.getMessage() for r in caplog.records if "Skipping stream 'access_requests'" in r.getMessage()]
    assert len(firsts) == 1
    (summary,) = _summaries(caplog)
    *_, suggestion = summary.splitlines()
    # Only these streams were selected, so the excludes alone keep the others as they are (no '*' first).
    assert suggestion.startswith(
        "To deselect what this token cannot read: meltano select tap-asana --exclude"
    )
    excluded = {part.split("--exclude ")[1] for part in suggestion.split(" && ")}
    assert excluded == skipped
    assert sorted(result.gids("sections")) == sorted(s["gid"] for s in sandbox.store.all("section"))


def test_parent_deleted_mid_run_skips_its_partition(sandbox, caplog) -> None:
    tap = TapAsana(config=tap_config(sandbox))
    sections = tap.streams["sections"]
    context = {"workspace_gid": sandbox.store.all("workspace")[0]["gid"], "project_gid": "1999999999999999"}
    with caplog.at_level(logging.WARNING):
        assert list(sections.get_records(context)) == []
    assert any("no longer exists (404)" in r.getMessage() for r in caplog.records)
