"""Offset pagination: `limit`, following `next_page.offset`, and restarting on an expired offset."""

from __future__ import annotations

import logging
from collections import Counter

from tests.tap.tap_runner import run_tap, tap_config


def test_follows_next_page_offset_with_the_configured_limit(sandbox) -> None:
    result = run_tap(
        tap_config(sandbox, page_size=3), streams=["workspaces", "users", "projects", "sections"]
    )
    by_route = sandbox.control("stats")["requests"]["by_route"]
    sections = sandbox.store.all("section")
    assert sorted(result.gids("sections")) == sorted(s["gid"] for s in sections)
    # Pages of 3: at least ceil(n/3) calls per project, so pagination was followed.
    per_project = Counter(s["project"]["gid"] for s in sections)
    assert by_route["GET /projects/{project_gid}/sections"] >= sum(-(-n // 3) for n in per_project.values())


def test_expired_offset_token_restarts_partition_without_loss_or_duplicates(sandbox, caplog) -> None:
    # Tokens live 0.25 s; every request takes 60 ms, and each page of 8 tasks is followed by the
    # stories of its tasks (8 x 60 ms), so the next page's token has expired by the time it is used,
    # while a restart that skips pages already emitted moves faster than the tokens expire.
    sandbox.control("faults", {"offset_ttl_seconds": 0.25, "delay_ms": 60})
    config = tap_config(
        sandbox, page_size=8, max_concurrent_requests=1, workspaces=[_smallest_workspace(sandbox)]
    )
    with caplog.at_level(logging.WARNING):
        result = run_tap(config, streams=["tasks", "stories"])
    stats = sandbox.control("stats")["requests"]["by_status"]
    assert int(stats.get("400", 0)) > 0
    assert any("offset token expired" in r.getMessage() for r in caplog.records)
    tasks = result.gids("tasks")
    assert len(tasks) == len(set(tasks))
    workspace = config["workspaces"][0]
    expected = {t["gid"] for t in sandbox.store.all("task") if t["workspace"]["gid"] == workspace}
    assert set(tasks) == expected


def _smallest_workspace(sandbox) -> str:
    counts = Counter(t["workspace"]["gid"] for t in sandbox.store.all("task"))
    return counts.most_common()[-1][0]
