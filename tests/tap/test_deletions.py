"""Deletions of every kind reach their stream as tombstones (`_sdc_deleted_at`), from workspace events."""

from __future__ import annotations

from typing import Any

import pytest

from tap_asana.deletions import DELETED_AT, STATE_KEY, DeletionWatch
from tap_asana.orphans import STATE_KEY as ORPHANS_KEY
from tap_asana.orphans import Orphans
from tap_asana.tap import TapAsana
from tests.tap.tap_runner import run_tap, tap_config

# stream -> the API path its objects are deleted at, and how to pick one from the sandbox store.
KINDS: dict[str, tuple[str, str]] = {
    "stories": ("/stories/{}", "story"),
    "attachments": ("/attachments/{}", "attachment"),
    "sections": ("/sections/{}", "section"),
    "tags": ("/tags/{}", "tag"),
    "projects": ("/projects/{}", "project"),
    "portfolios": ("/portfolios/{}", "portfolio"),
    "goals": ("/goals/{}", "goal"),
    "status_updates": ("/status_updates/{}", "status_update"),
    "custom_fields": ("/custom_fields/{}", "custom_field"),
    "time_tracking_entries": ("/time_tracking_entries/{}", "time_tracking_entry"),
}


#: Only their creator may delete these (Asana answers 403 to anyone else).
MINE_ONLY = ("story", "time_tracking_entry")


def _acme(sandbox: Any) -> str:
    return next(w["gid"] for w in sandbox.store.all("workspace") if w["name"] == "Acme Corp")


def _pick(sandbox: Any, resource_type: str, emitted: set[str], mine: str) -> dict:
    """An object of that type the first run emitted (one the token's user created, where only they may
    delete it; of stories, only comments can be deleted)."""
    for record in sandbox.store.all(resource_type):
        if record["gid"] not in emitted:
            continue
        if resource_type == "story" and record.get("resource_subtype") != "comment_added":
            continue
        if resource_type not in MINE_ONLY or (record.get("created_by") or {}).get("gid") == mine:
            return record
    raise AssertionError(f"no {resource_type} was emitted by the first run")


def test_every_kind_of_deletion_comes_back_as_a_tombstone(sandbox) -> None:
    config = tap_config(sandbox, workspaces=[_acme(sandbox)])
    streams = [*KINDS, "tasks"]
    mine = sandbox.get("/users/me").json()["data"]["gid"]
    task = next(
        t for t in sandbox.store.all("task") if t["projects"] and t["workspace"]["gid"] == _acme(sandbox)
    )
    assert sandbox.post(f"/tasks/{task['gid']}/stories", {"text": "Deleted later"}).status_code == 201
    entry = {"duration_minutes": 15, "entered_on": "2026-01-05"}
    assert sandbox.post(f"/tasks/{task['gid']}/time_tracking_entries", entry).status_code == 201
    # Asana deletes only an empty section that is not its project's last one.
    project = task["projects"][0]["gid"]
    section = sandbox.post(f"/projects/{project}/sections", {"name": "Deleted later"}).json()["data"]["gid"]
    first = run_tap(config, streams=streams)
    assert STATE_KEY in first.state["bookmarks"]["workspaces"]  # the first events call's 412 gave a token

    doomed: dict[str, str] = {}
    for stream, (path, kind) in KINDS.items():
        record = (
            {"gid": section} if stream == "sections" else _pick(sandbox, kind, set(first.gids(stream)), mine)
        )
        assert sandbox.delete(path.format(record["gid"])).status_code == 200, (stream, record["gid"])
        doomed[stream] = record["gid"]
    # A task in no project (only in its assignee's My Tasks): no project events name it.
    loose = next(
        t
        for t in sandbox.store.all("task")
        if not t["projects"] and not t.get("parent") and t.get("assignee")
    )
    assert sandbox.delete(f"/tasks/{loose['gid']}").status_code == 200

    second = run_tap(config, streams=streams, state=first.state)
    for stream, gid in doomed.items():
        tombstones = [r for r in second.records[stream] if r.get(DELETED_AT)]
        assert gid in {r["gid"] for r in tombstones}, f"{stream}: no tombstone for {gid}"
        assert all(r[DELETED_AT].endswith("Z") for r in tombstones)
        assert DELETED_AT in second.schemas[stream]["properties"]
    tasks = {r["gid"]: r for r in second.records["tasks"]}
    assert tasks[loose["gid"]].get(DELETED_AT)

    # Nothing twice: the third run has no deletion left to report.
    third = run_tap(config, streams=streams, state=second.state)
    assert not [r for stream in KINDS for r in third.records[stream] if r.get(DELETED_AT)]


def test_an_expired_events_token_warns_and_starts_again(sandbox, caplog: pytest.LogCaptureFixture) -> None:
    config = tap_config(sandbox, workspaces=[_acme(sandbox)])
    first = run_tap(config, streams=["tags"])
    state = first.state
    state["bookmarks"]["workspaces"][STATE_KEY] = {_acme(sandbox): "not-a-valid-token"}
    second = run_tap(config, streams=["tags"], state=state)
    assert "events sync token expired" in caplog.text
    assert second.state["bookmarks"]["workspaces"][STATE_KEY][_acme(sandbox)] != "not-a-valid-token"


def test_undeleted_cancels_a_pending_deletion_and_restores_a_past_one(sandbox) -> None:
    tap = TapAsana(config=tap_config(sandbox), validate_config=False)
    watch = DeletionWatch(tap, [])
    story = {"gid": "1", "resource_type": "story"}
    tag = {"gid": "2", "resource_type": "tag"}
    for event in (
        {"action": "deleted", "resource": story, "created_at": "2026-01-01T00:00:00.000Z"},
        {"action": "undeleted", "resource": story},
        {"action": "undeleted", "resource": tag},
        {"action": "changed", "resource": {"gid": "3", "resource_type": "project"}},
        {"action": "deleted", "resource": {"gid": "4", "resource_type": "webhook"}},  # not a stream of ours
        {"action": "removed", "resource": {"gid": "5", "resource_type": "story"}},  # a comment deleted
        {"action": "removed", "resource": {"gid": "6", "resource_type": "task"}},  # out of a project only
    ):
        watch._note(event)
    assert {kind: gids for kind, gids in watch.deleted.items() if gids} == {"story": {"5": None}}
    assert watch.restored == {"story": set(), "tag": {"2"}}


#: Streams whose rows go with a deleted project or portfolio, or with a membership (its `/memberships` twin).
CASCADES = (
    "memberships",
    "portfolio_items",
    "custom_field_settings",
    "project_statuses",
    "project_portfolio_settings",
    "access_requests",
)


def _key(stream: str, record: dict) -> tuple[str, str]:
    """A row's key as a loader holds it (portfolio items: one row per portfolio and item)."""
    return (record.get("portfolio_gid", "") if stream == "portfolio_items" else "", record["gid"])


def test_what_goes_with_a_deleted_parent_is_tombstoned(sandbox) -> None:
    """A project, a portfolio and a membership deleted: every row of the streams that went with them (known
    from events, from the item `removed` from its portfolio, or remembered from the last read) is tombstoned,
    and no row of what stays."""
    acme = _acme(sandbox)
    config = tap_config(sandbox, workspaces=[acme])
    store = sandbox.store
    requested = {r["target"]["gid"] for r in store.all("access_request")}
    portfolios = sorted(store.all("portfolio"), key=lambda p: p["gid"])
    in_portfolio = {i["gid"]: p["gid"] for p in portfolios for i in p.get("_items") or ()}
    project = next(
        p["gid"] for p in store.all("project") if p["gid"] in requested and p["gid"] in in_portfolio
    )
    portfolio = next(p["gid"] for p in portfolios if p.get("_items") and p["gid"] != in_portfolio[project])
    membership = next(
        m["gid"]
        for m in store.all("membership")
        if m["parent"]["gid"] not in (project, portfolio) and m["parent"]["resource_type"] == "project"
    )
    streams = [*CASCADES, "projects", "portfolios"]
    first = run_tap(config, streams=streams)
    for path in (f"/projects/{project}", f"/portfolios/{portfolio}", f"/memberships/{membership}"):
        assert sandbox.delete(path).status_code == 200, path
    second = run_tap(config, streams=streams, state=first.state)
    now = run_tap(config, streams=streams)  # a fresh full read: what Asana still shows

    for stream in CASCADES:
        gone = {_key(stream, r) for r in first.records[stream]} - {
            _key(stream, r) for r in now.records[stream]
        }
        tombstones = {_key(stream, r) for r in second.records[stream] if r.get(DELETED_AT)}
        assert gone, f"{stream}: the deletions removed nothing, the case checks nothing"
        assert gone <= tombstones, f"{stream}: no tombstone for {sorted(gone - tombstones)}"
        assert tombstones <= gone, f"{stream}: tombstones for live rows {sorted(tombstones - gone)}"
    # The deleted parents are forgotten; the others' rows are kept for next time.
    kept = second.state["bookmarks"]["workspaces"][ORPHANS_KEY]
    assert portfolio not in kept.get("portfolio_items", {}) and project not in kept.get("access_requests", {})
    assert kept["portfolio_items"]


def test_an_item_removed_from_a_portfolio_leaves_it_unless_added_back(sandbox) -> None:
    watch = DeletionWatch(TapAsana(config=tap_config(sandbox), validate_config=False), [])
    project = {"gid": "7", "resource_type": "project"}
    portfolio = {"gid": "9", "resource_type": "portfolio"}
    at = "2026-01-01T00:00:00.000Z"
    for action, resource, parent in (
        ("removed", project, {"gid": "8", "resource_type": "portfolio"}),
        ("removed", portfolio, {"gid": "8", "resource_type": "portfolio"}),
        ("added", portfolio, {"gid": "8", "resource_type": "portfolio"}),  # put back: still an item
        ("removed", project, {"gid": "3", "resource_type": "project"}),  # not a portfolio: no item row
    ):
        watch._note({"action": action, "resource": resource, "parent": parent, "created_at": at})
    assert watch.unlisted == {("8", "7", "project"): at}
    assert not any(watch.deleted.values())  # a project out of a portfolio still exists


def test_a_remembered_row_its_parent_no_longer_lists_is_tombstoned(sandbox) -> None:
    """Without events (an expired token), a portfolio item removed and an access request answered (Asana lists
    pending ones only) are found by reading their parent again; only a complete read counts."""
    acme = _acme(sandbox)
    config = tap_config(sandbox, workspaces=[acme])
    request = next(r for r in sandbox.store.all("access_request") if r["approval_status"] == "pending")
    portfolio = next(p for p in sandbox.store.all("portfolio") if p.get("_items"))
    item = portfolio["_items"][0]["gid"]
    streams = ["portfolio_items", "access_requests"]
    first = run_tap(config, streams=streams)
    assert request["gid"] in first.gids("access_requests")
    assert sandbox.post(f"/access_requests/{request['gid']}/approve", {}).status_code == 200
    assert sandbox.post(f"/portfolios/{portfolio['gid']}/removeItem", {"item": item}).status_code == 200
    state = first.state
    state["bookmarks"]["workspaces"][STATE_KEY] = {acme: "expired"}  # the events say nothing
    second = run_tap(config, streams=streams, state=state)
    tombstones = {(s, _key(s, r)) for s in streams for r in second.records[s] if r.get(DELETED_AT)}
    assert tombstones == {
        ("access_requests", ("", request["gid"])),
        ("portfolio_items", (portfolio["gid"], item)),
    }


def test_only_a_complete_read_replaces_what_was_kept() -> None:
    orphans = Orphans()
    orphans.load({"access_requests": {"p1": ["r1", "r2"], "p2": ["r3"]}, "unknown": {"x": ["y"]}})
    orphans.reading("access_requests", "p1")
    orphans.seen("access_requests", "p1", "r1")
    orphans.finished("access_requests", "p1")
    orphans.reading("access_requests", "p2")  # cut short: no `finished`
    assert list(orphans.left()) == [("access_requests", "p1", "r2")]
    assert orphans.state([]) == {"access_requests": {"p1": ["r1"], "p2": ["r3"]}}
    assert list(orphans.gone({"project": {"p2": "2026-01-01T00:00:00.000Z"}})) == [
        ("access_requests", "p2", "r3", "2026-01-01T00:00:00.000Z")
    ]
    assert orphans.state(["p2"]) == {"access_requests": {"p1": ["r1"]}}
