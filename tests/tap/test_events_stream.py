"""The `events` stream: sync tokens per project, goal and workspace, the first 412, expiry, `has_more`."""

from __future__ import annotations

import copy

import pytest

from tap_asana.streams.events import TOKENS_KEY
from tests.tap.tap_runner import run_tap, tap_config


def _acme(sandbox) -> str:
    return next(w["gid"] for w in sandbox.store.all("workspace") if w["name"] == "Acme Corp")


def _tokens(result) -> dict[str, str]:
    return result.state["bookmarks"]["events"][TOKENS_KEY]


def test_first_run_takes_a_token_per_resource_then_events_follow(sandbox) -> None:
    config = tap_config(sandbox, workspaces=[_acme(sandbox)])
    first = run_tap(config, streams=["events"])
    assert first.records["events"] == []  # Asana's first answer is a 412 with the first token
    projects = {p["gid"] for p in sandbox.store.all("project") if p["workspace"]["gid"] == _acme(sandbox)}
    goals = {g["gid"] for g in sandbox.store.all("goal") if g["workspace"]["gid"] == _acme(sandbox)}
    assert set(_tokens(first)) == projects | goals | {_acme(sandbox)}

    project = next(p for p in sandbox.store.all("project") if p["gid"] in projects and not p["archived"])
    task = next(t for t in sandbox.store.all("task") if project["gid"] in {p["gid"] for p in t["projects"]})
    assert sandbox.put(f"/tasks/{task['gid']}", {"name": "Renamed for the events"}).status_code == 200

    second = run_tap(config, streams=["events"], state=copy.deepcopy(first.state))
    events = second.records["events"]
    mine = [e for e in events if e["resource"]["gid"] == task["gid"] and e["action"] == "changed"]
    assert {e["resource_gid"] for e in mine} >= {project["gid"], _acme(sandbox)}  # it bubbles up
    assert all(e["change"]["field"] == "name" for e in mine if e["resource_kind"] == "project")
    assert len({e["event_id"] for e in events}) == len(events)

    # Read again from the same state: the same events, with the same keys (a resumed run upserts them).
    again = run_tap(config, streams=["events"], state=first.state)
    assert sorted(e["event_id"] for e in again.records["events"]) == sorted(e["event_id"] for e in events)
    # And from the new state: nothing new.
    assert run_tap(config, streams=["events"], state=second.state).records["events"] == []


def test_has_more_is_followed_at_once(sandbox) -> None:
    config = tap_config(sandbox, workspaces=[_acme(sandbox)])
    first = run_tap(config, streams=["events"])
    project = next(p for p in sandbox.store.all("project") if p["workspace"]["gid"] == _acme(sandbox))
    task = next(t for t in sandbox.store.all("task") if project["gid"] in {p["gid"] for p in t["projects"]})
    for n in range(130):  # more than the 100 events one sync token returns
        assert sandbox.put(f"/tasks/{task['gid']}", {"name": f"Rename {n}"}).status_code == 200
    second = run_tap(config, streams=["events"], state=first.state)
    renames = [
        e
        for e in second.records["events"]
        if e["resource_gid"] == project["gid"]
        and e["resource"]["gid"] == task["gid"]
        and e["action"] == "changed"
    ]
    assert len(renames) >= 130


def test_an_expired_token_warns_and_takes_the_new_one(sandbox, caplog: pytest.LogCaptureFixture) -> None:
    config = tap_config(sandbox, workspaces=[_acme(sandbox)])
    first = run_tap(config, streams=["events"])
    state = first.state
    stale = next(iter(_tokens(first)))
    state["bookmarks"]["events"][TOKENS_KEY][stale] = "expired-token"
    second = run_tap(config, streams=["events"], state=state)
    assert second.error is None
    assert "sync token expired" in caplog.text and stale in caplog.text
    assert _tokens(second)[stale] not in ("expired-token", None)


def test_events_are_not_selected_by_default(sandbox) -> None:
    from tap_asana.tap import TapAsana

    catalog = TapAsana(config=tap_config(sandbox), validate_config=False).catalog_dict
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "events")
    top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
    assert top["selected-by-default"] is False and list(entry["key_properties"]) == ["event_id"]
