"""`full_table_refresh_hours` (tap_asana/refresh_pacing.py): streams that no change signal covers rest between
two reads, make no request and send no ACTIVATE_VERSION while they do, are read again in full once their
interval passed (or when a stream or workspace is new), and a task's children are read whatever the pacing.
What a loader holds after resting runs, changes and a run that refreshed is what a fresh full sync holds."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from asana_client.timestamps import format_timestamp, parse_timestamp
from tap_asana.refresh_pacing import PACED, PACED_PARENTS, SETTING, STATE_KEY, signalled_stream
from tap_asana.streams import STREAM_TYPES
from tap_asana.tap import TapAsana
from tests.tap.expected import workspaces_with_events
from tests.tap.tap_runner import selected_catalog, tap_config
from tests.tap.test_change_signals import (
    Changer,
    Run,
    config_for,
    dying_run,
    load,
    requests_by_route,
    run,
    run_while_changing,
)

MEMBERSHIPS = "GET /projects/{project_gid}/project_memberships"
PER_USER = ("GET /ooo_entries", "GET /users/{user_gid}/user_task_list")
STREAMS = ("tasks", "stories", "attachments", "project_memberships", "ooo_entries", "user_task_lists")


def paced_config(sandbox: Any, **overrides: Any) -> dict[str, Any]:
    return tap_config(sandbox, emit_activate_version_messages=True, **{SETTING: 24, **overrides})


def refreshed(state: dict) -> dict[str, dict[str, str]]:
    return state["bookmarks"]["workspaces"][STATE_KEY]


def aged(state: dict, hours: float) -> dict:
    """A copy of the state as it would be `hours` later: every kept read that much older."""
    state = copy.deepcopy(state)
    times = refreshed(state)
    for stream, by_workspace in times.items():
        for workspace, at in by_workspace.items():
            when = parse_timestamp(at)
            assert when is not None
            times[stream][workspace] = format_timestamp(when - timedelta(hours=hours))
    return state


def test_resting_streams_make_no_request_and_send_no_activate_version(sandbox) -> None:
    config = paced_config(sandbox)
    first = run(config, streams=STREAMS)
    first_counts = requests_by_route(sandbox)
    second = run(config, first.state, streams=STREAMS)
    second_counts = requests_by_route(sandbox)

    with sandbox.store.lock:
        workspaces = {w["gid"] for w in sandbox.store.all("workspace")}
    # The first run reads everything, with ACTIVATE_VERSION, and keeps its start per stream and workspace.
    kept = refreshed(first.state)
    assert set(kept) == {"project_memberships", "ooo_entries", "user_task_lists", "stories", "attachments"}
    assert all(set(by_workspace) == workspaces for by_workspace in kept.values())
    assert first_counts[MEMBERSHIPS] > 0 and all(first_counts[route] > 0 for route in PER_USER)
    assert first.activated("project_memberships") > 0
    # Within the interval they rest: no request, no record, no ACTIVATE_VERSION that would drop their rows.
    for route in (MEMBERSHIPS, *PER_USER, "GET /attachments"):
        assert route not in second_counts, route
    for stream in ("project_memberships", "ooo_entries", "user_task_lists", "attachments"):
        assert second.records(stream) == [], stream
        assert second.activated(stream) == 0, stream
        assert load([first, second], stream) == load([first], stream), stream
    assert refreshed(second.state) == kept  # a resting run does not move the times
    # Tasks are not paced: their incremental listing runs as always.
    assert second_counts["GET /tasks"] > 0


def change_members(sandbox: Any, tracked: bool) -> None:
    """One member added to and one removed from a project of a workspace whose events the token reads (or
    of one whose it does not)."""
    with sandbox.store.lock:
        with_events = set(workspaces_with_events(sandbox.store))
        project = next(
            p for p in sandbox.store.all("project") if (p["workspace"]["gid"] in with_events) == tracked
        )
        members = {
            m["user"]["gid"] for m in sandbox.store.related("project_membership", "project", project["gid"])
        }
        users = [u["gid"] for u in sandbox.store.all("user") if u["gid"] not in members]
    assert sandbox.post(f"/projects/{project['gid']}/addMembers", {"members": users[0]}).ok
    assert sandbox.post(f"/projects/{project['gid']}/removeMembers", {"members": sorted(members)[0]}).ok


def test_a_stream_is_read_again_once_its_interval_passed(sandbox) -> None:
    """Where no event says so (the workspace's events are not readable), a change waits for the interval."""
    config = paced_config(sandbox)
    first = run(config, streams=STREAMS)
    change_members(sandbox, tracked=False)
    fresh = run(config, streams=STREAMS)
    requests_by_route(sandbox)

    # 23 h later: still resting, and the warehouse still holds the memberships as they were (by choice).
    resting = run(config, aged(first.state, 23), streams=STREAMS)
    assert MEMBERSHIPS not in requests_by_route(sandbox)
    assert load([first, resting], "project_memberships") != load([fresh], "project_memberships")
    # 25 h after the first read: due, read in full with ACTIVATE_VERSION, and a loader holds what Asana has.
    due = run(config, aged(resting.state, 2), streams=STREAMS)
    assert requests_by_route(sandbox)[MEMBERSHIPS] > 0
    assert due.activated("project_memberships") > 0
    for stream in ("project_memberships", "ooo_entries", "user_task_lists"):
        assert load([first, resting, due], stream) == load([fresh], stream), stream
    assert all(
        parse_timestamp(at) > parse_timestamp(first_at) for at, first_at in _pairs(due.state, first.state)
    )


def _pairs(later: dict, earlier: dict) -> Iterator[tuple[str, str]]:
    for stream, by_workspace in refreshed(later).items():
        for workspace, at in by_workspace.items():
            yield at, refreshed(earlier)[stream][workspace]


def test_a_workspace_event_makes_its_stream_due_at_once(sandbox) -> None:
    """Where the token reads the workspace's events, an added membership makes the memberships due now;
    the other paced streams keep resting."""
    config = paced_config(sandbox)
    first = run(config, streams=STREAMS)
    change_members(sandbox, tracked=True)
    fresh = run(config, streams=STREAMS)
    requests_by_route(sandbox)
    second = run(config, first.state, streams=STREAMS)
    assert requests_by_route(sandbox)[MEMBERSHIPS] > 0
    assert "project_memberships" not in second.tap.refresh_pacing.resting
    assert {"ooo_entries", "user_task_lists"} <= second.tap.refresh_pacing.resting
    assert second.activated("project_memberships") > 0
    assert load([first, second], "project_memberships") == load([fresh], "project_memberships")


def test_which_events_make_a_stream_due() -> None:
    assert signalled_stream("project_membership", "added", "project") == "project_memberships"
    assert signalled_stream("tag", "changed", None) == "tags"
    assert signalled_stream("tag", "deleted", None) is None  # its tombstone comes anyway
    assert signalled_stream("membership", "removed", "project") is None
    assert signalled_stream("attachment", "added", "task") is None  # read with its task
    assert signalled_stream("attachment", "added", "project") == "attachments"
    assert signalled_stream("story", "changed", None) is None
    assert signalled_stream("task", "changed", "project") is None  # tasks are not paced
    assert signalled_stream("user", "changed", None) is None  # no stream by that type


def test_a_changed_tasks_children_are_read_while_their_streams_rest(sandbox) -> None:
    config = paced_config(sandbox)
    first = run(config, streams=STREAMS)
    with sandbox.store.lock:
        task = next(t for t in sandbox.store.all("task") if t.get("projects"))
    comment = sandbox.post(f"/tasks/{task['gid']}/stories", {"text": "Seen in a resting run"}).json()["data"]
    second = run(config, first.state, streams=STREAMS)
    assert "stories" in second.tap.refresh_pacing.resting
    assert comment["gid"] in {r["gid"] for r in second.records("stories")}
    assert second.records("tasks")  # the task, through its project's listing


def test_a_new_stream_or_workspace_is_read_in_full(sandbox) -> None:
    with sandbox.store.lock:
        workspaces = sorted(w["gid"] for w in sandbox.store.all("workspace"))
    assert len(workspaces) >= 2
    one = paced_config(sandbox, workspaces=workspaces[:1])
    first = run(one, streams=("project_memberships",))
    requests_by_route(sandbox)
    # A stream selected for the first time has no read to rest on.
    second = run(one, first.state, streams=("project_memberships", "ooo_entries"))
    counts = requests_by_route(sandbox)
    assert MEMBERSHIPS not in counts and counts["GET /ooo_entries"] > 0
    assert second.tap.refresh_pacing.resting >= {"project_memberships"}
    # A workspace added to `workspaces`: the stream is due everywhere, so its ACTIVATE_VERSION is safe.
    both = paced_config(sandbox, workspaces=workspaces)
    third = run(both, second.state, streams=("project_memberships", "ooo_entries"))
    assert requests_by_route(sandbox)[MEMBERSHIPS] > 0
    assert third.activated("project_memberships") > 0
    assert set(refreshed(third.state)["project_memberships"]) == set(workspaces)


def test_a_workspace_read_by_another_run_since_is_due(sandbox) -> None:
    """Runs over workspace A, then B, then A again: B's run sent ACTIVATE_VERSION, which dropped A's rows,
    so A's read before it is no reason to rest."""
    with sandbox.store.lock:
        a, b = sorted(w["gid"] for w in sandbox.store.all("workspace"))[:2]
    first = run(paced_config(sandbox, workspaces=[a]), streams=("project_memberships",))
    second = run(paced_config(sandbox, workspaces=[b]), first.state, streams=("project_memberships",))
    assert set(refreshed(second.state)["project_memberships"]) == {b}
    requests_by_route(sandbox)
    third = run(paced_config(sandbox, workspaces=[a]), second.state, streams=("project_memberships",))
    assert requests_by_route(sandbox)[MEMBERSHIPS] > 0
    assert {r["gid"] for r in third.records("project_memberships")} == {
        r["gid"] for r in first.records("project_memberships")
    }
    assert third.activated("project_memberships") > 0


def test_a_stream_selected_again_is_due(sandbox) -> None:
    """A stream left out of a run is forgotten: its rows missed that run's tombstones."""
    config = paced_config(sandbox)
    first = run(config, streams=("project_memberships", "ooo_entries"))
    second = run(config, first.state, streams=("ooo_entries",))
    assert "project_memberships" not in refreshed(second.state)
    requests_by_route(sandbox)
    run(config, second.state, streams=("project_memberships", "ooo_entries"))
    counts = requests_by_route(sandbox)
    assert counts[MEMBERSHIPS] > 0 and "GET /ooo_entries" not in counts


def test_only_partitions_under_no_task_rest(sandbox) -> None:
    """The pacing itself spares a task's partitions (whatever the stream's own code does with them)."""
    config = paced_config(sandbox)
    tap = TapAsana(config=config, catalog=selected_catalog(config, STREAMS))
    pacing = tap.refresh_pacing
    pacing.resting = frozenset({"attachments", "stories"})
    attachments = tap.streams["attachments"]
    assert pacing.skips(attachments, {"workspace_gid": "1", "project_gid": "2"})
    assert not pacing.skips(attachments, {"workspace_gid": "1", "task_gid": "3"})
    assert not pacing.skips(tap.streams["project_memberships"], {"workspace_gid": "1", "project_gid": "2"})
    assert not attachments.emit_activate_version_messages


def test_briefs_rest_only_while_their_attachments_do(sandbox) -> None:
    config = paced_config(sandbox)
    first = run(config, streams=("project_briefs",))
    requests_by_route(sandbox)
    second = run(config, first.state, streams=("project_briefs",))
    assert "GET /project_briefs/{project_brief_gid}" not in requests_by_route(sandbox)
    assert second.records("project_briefs") == []
    # Attachments selected now: due, and the briefs are read again so that their attachments are reached.
    third = run(config, second.state, streams=("project_briefs", "attachments"))
    counts = requests_by_route(sandbox)
    assert "project_briefs" not in third.tap.refresh_pacing.resting
    assert counts["GET /project_briefs/{project_brief_gid}"] == len(first.records("project_briefs")) > 0
    with sandbox.store.lock:
        briefs = {b["gid"] for b in sandbox.store.all("project_brief")}
    assert {r["parent"]["gid"] for r in third.records("attachments")} & briefs


def test_off_by_default_and_malformed_times_read_in_full(sandbox) -> None:
    config = tap_config(sandbox, emit_activate_version_messages=True)
    first = run(config, streams=STREAMS)
    assert STATE_KEY not in first.state["bookmarks"].get("workspaces", {})
    requests_by_route(sandbox)
    run(config, first.state, streams=STREAMS)
    assert requests_by_route(sandbox)[MEMBERSHIPS] > 0  # 0 hours: every run, as without the setting

    paced = run(paced_config(sandbox), streams=STREAMS)
    state = paced.state
    for by_workspace in refreshed(state).values():
        for workspace in by_workspace:
            by_workspace[workspace] = "not a time"
    requests_by_route(sandbox)
    again = run(paced_config(sandbox), state, streams=STREAMS)
    assert requests_by_route(sandbox)[MEMBERSHIPS] > 0
    assert again.tap.refresh_pacing.resting == frozenset()


def test_a_failed_run_keeps_no_new_times(sandbox) -> None:
    config = paced_config(sandbox)
    tap = dying_run(config, None, "ooo_entries", streams=STREAMS).tap
    assert STATE_KEY not in tap.state["bookmarks"].get("workspaces", {})
    requests_by_route(sandbox)
    run(config, tap.state, streams=STREAMS)
    assert requests_by_route(sandbox)[MEMBERSHIPS] > 0  # nothing rests after a failure


def test_paced_streams_are_leaves_and_no_task_cursor() -> None:
    """A paced stream with children would hide its children's partitions; tasks and the streams with
    cursors of their own are never paced."""
    by_name = {t.spec.name: t.spec for t in STREAM_TYPES}
    parents = {p for spec in by_name.values() for p in (spec.parent, *spec.other_parents) if p}
    assert set(by_name) >= PACED
    assert not (PACED - set(PACED_PARENTS)) & parents
    for parent, children in PACED_PARENTS.items():
        assert {c for c, spec in by_name.items() if parent in (spec.parent, *spec.other_parents)} <= set(
            children
        )
        assert set(children) <= PACED
    assert not PACED & {
        "tasks",
        "sections",
        "events",
        "audit_log_events",
        "webhook_events",
        "time_tracking_entries",
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_changes_during_resting_runs_then_a_due_run_hold_what_a_fresh_sync_holds(sandbox, seed) -> None:
    """Sections (change signals) and memberships (paced) changed around every partition's decision: while
    memberships rest, sections still match a fresh sync after each run; once memberships are due, both do."""
    config = config_for(sandbox, **{SETTING: 24})
    changer = Changer(sandbox, seed)
    base = run(config)
    during = run_while_changing(config, base.state, changer)
    after = run(config, during.state)
    fresh = run(config)
    assert "project_memberships" in during.tap.refresh_pacing.resting
    assert len(set(changer.log)) >= 4, changer.log
    assert load([base, during, after], "sections") == load([fresh], "sections")
    due = run(config, aged(after.state, 25))
    assert "project_memberships" not in due.tap.refresh_pacing.resting
    for stream in ("sections", "project_memberships"):
        assert load([base, during, after, due], stream) == load([fresh], stream), stream


def test_the_loader_model_keeps_rows_without_activate_version() -> None:
    """`load` keeps the rows of a run that sent no ACTIVATE_VERSION (a resting stream's)."""
    first = Run(
        [
            {"type": "ACTIVATE_VERSION", "stream": "s", "version": 1},
            {"type": "RECORD", "stream": "s", "record": {"gid": "a"}, "version": 1},
        ]
    )
    assert load([first, Run([])], "s") == {"a": {"gid": "a"}}
