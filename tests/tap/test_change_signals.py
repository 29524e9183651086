"""Project events as the change signal of `sections` (tap_asana/change_signals.py): an unchanged project's
sections are not read again, a changed one's are, deletions arrive as tombstones, ACTIVATE_VERSION is held
back only while partitions may be skipped, and what a loader holds after a sync during changes plus one
incremental run is what a fresh full sync holds."""

from __future__ import annotations

import io
import json
import logging
import math
import random
import time
from collections.abc import Iterable, Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import pytest

from tap_asana.change_signals import STATE_KEY
from tap_asana.deletions import DELETED_AT, DeletionWatch
from tap_asana.tap import TapAsana
from tests.tap.expected import workspaces_with_events
from tests.tap.tap_runner import selected_catalog, tap_config

SECTIONS_ROUTE = "GET /projects/{project_gid}/sections"
MEMBERSHIPS_ROUTE = "GET /projects/{project_gid}/project_memberships"
STREAMS = ("sections", "project_memberships")


@dataclass
class Run:
    """One tap run's messages, in order, and the tap (for its change signals)."""

    messages: list[dict] = field(default_factory=list)
    tap: Any = None

    @property
    def state(self) -> dict | None:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else None

    def records(self, stream: str) -> list[dict]:
        return [m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream]

    def activated(self, stream: str) -> int:
        return sum(1 for m in self.messages if m["type"] == "ACTIVATE_VERSION" and m["stream"] == stream)


def run(config: dict[str, Any], state: dict | None = None, streams: Iterable[str] = STREAMS) -> Run:
    catalog = selected_catalog(config, streams)
    tap = TapAsana(config=config, state=state, catalog=catalog)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap.sync_all()
    return Run([json.loads(line) for line in buffer.getvalue().splitlines()], tap)


def load(runs: Iterable[Run], stream: str) -> dict[str, dict]:
    """What a loader that honours ACTIVATE_VERSION and soft deletes keeps of `stream`, runs in order."""
    rows: dict[str, tuple[int | None, dict]] = {}
    for one in runs:
        for message in one.messages:
            if message.get("stream") != stream:
                continue
            if message["type"] == "ACTIVATE_VERSION":
                # Rows of an older version (or none) are deleted from the table.
                rows = {k: v for k, v in rows.items() if v[0] == message["version"]}
            elif message["type"] == "RECORD":
                rows[message["record"]["gid"]] = (message.get("version"), message["record"])
    return {gid: record for gid, (_, record) in rows.items() if not record.get(DELETED_AT)}


def dying_run(
    config: dict[str, Any],
    state: dict | None,
    stream: str,
    *,
    streams: Iterable[str] = STREAMS,
    project: str | None = None,
) -> Run:
    """A run that dies (RuntimeError) when `stream` reaches a partition (of `project`, if given)."""
    tap = TapAsana(config=config, state=state, catalog=selected_catalog(config, streams))
    read = tap.streams[stream].get_records

    def dying(context: Any) -> Iterator[dict]:
        if project is None or (context or {}).get("project_gid") == project:
            raise RuntimeError("the run dies")
        yield from read(context)

    tap.streams[stream].get_records = dying
    buffer = io.StringIO()
    with redirect_stdout(buffer), pytest.raises(RuntimeError):
        tap.sync_all()
    return Run([json.loads(line) for line in buffer.getvalue().splitlines()], tap)


def requests_by_route(sandbox: Any) -> dict[str, int]:
    """The sandbox's request counts by route since the last call."""
    counts = sandbox.control("stats")["requests"]["by_route"]
    sandbox.control("reset", {})
    return counts


def config_for(sandbox: Any, **overrides: Any) -> dict[str, Any]:
    """The workspaces whose deletions are tracked (their workspace events are readable) only: elsewhere
    nothing is skipped (`test_a_workspace_without_workspace_events_is_read_in_full`)."""
    with sandbox.store.lock:
        tracked = workspaces_with_events(sandbox.store)
    return tap_config(sandbox, emit_activate_version_messages=True, workspaces=tracked, **overrides)


def projects_with_sections(sandbox: Any) -> list[dict]:
    """The projects with sections in the workspaces `config_for` syncs."""
    with sandbox.store.lock:
        tracked = set(workspaces_with_events(sandbox.store))
        projects = [p for p in sandbox.store.all("project") if p["workspace"]["gid"] in tracked]
        return [p for p in projects if sandbox.store.related("section", "project", p["gid"])]


def test_unchanged_projects_are_not_read_again_and_send_no_activate_version(sandbox) -> None:
    config = config_for(sandbox)
    first = run(config)
    first_counts = requests_by_route(sandbox)
    second = run(config, first.state)
    second_counts = requests_by_route(sandbox)

    projects = projects_with_sections(sandbox)
    # The first run has no tokens: everything is read, and ACTIVATE_VERSION sent as for any full-table stream.
    assert first_counts[SECTIONS_ROUTE] == len(projects)
    assert first.activated("sections") == len(projects)
    assert set(first.state["bookmarks"]["projects"][STATE_KEY]) == {p["gid"] for p in projects}
    # Nothing changed: no section is read, none is emitted, and no ACTIVATE_VERSION would delete them.
    assert SECTIONS_ROUTE not in second_counts
    assert second.records("sections") == []
    assert second.activated("sections") == 0
    assert second_counts["GET /events"] == len(projects)  # one events call per project
    assert len(second.tap.change_signals.skipped) == len(projects)
    # Memberships have no documented project event: read every run, with ACTIVATE_VERSION.
    assert second_counts[MEMBERSHIPS_ROUTE] == first_counts[MEMBERSHIPS_ROUTE] > 0
    assert second.activated("project_memberships") > 0
    assert load([first, second], "sections") == load([first], "sections")


def test_a_changed_project_alone_is_read_again(sandbox) -> None:
    config = config_for(sandbox)
    first = run(config)
    projects = projects_with_sections(sandbox)
    renamed_in, added_in, renamed_project = projects[0], projects[1], projects[2]
    with sandbox.store.lock:
        section = sandbox.store.related("section", "project", renamed_in["gid"])[0]
    assert sandbox.put(f"/sections/{section['gid']}", {"name": "Renamed by the test"}).ok
    added = sandbox.post(f"/projects/{added_in['gid']}/sections", {"name": "Added by the test"}).json()[
        "data"
    ]
    # A renamed project renames `project.name` in each of its sections.
    assert sandbox.put(f"/projects/{renamed_project['gid']}", {"name": "Project renamed"}).ok
    requests_by_route(sandbox)

    second = run(config, first.state)

    assert requests_by_route(sandbox)[SECTIONS_ROUTE] == 3
    emitted = {r["gid"]: r for r in second.records("sections")}
    assert {r["project_gid"] for r in emitted.values()} == {
        renamed_in["gid"],
        added_in["gid"],
        renamed_project["gid"],
    }
    assert emitted[section["gid"]]["name"] == "Renamed by the test"
    assert emitted[added["gid"]]["name"] == "Added by the test"
    assert {r["project"]["name"] for r in emitted.values() if r["project_gid"] == renamed_project["gid"]} == {
        "Project renamed"
    }
    assert second.activated("sections") == 0
    assert load([first, second], "sections") == load([run(config)], "sections")


def test_a_deleted_section_comes_as_a_tombstone(sandbox) -> None:
    config = config_for(sandbox)
    project = projects_with_sections(sandbox)[0]
    doomed = sandbox.post(f"/projects/{project['gid']}/sections", {"name": "Short-lived"}).json()["data"]
    first = run(config)
    assert doomed["gid"] in {r["gid"] for r in first.records("sections")}
    assert sandbox.delete(f"/sections/{doomed['gid']}").ok

    second = run(config, first.state)

    tombstones = [r for r in second.records("sections") if r.get(DELETED_AT)]
    assert [t["gid"] for t in tombstones] == [doomed["gid"]]
    assert doomed["gid"] not in load([first, second], "sections")
    assert load([first, second], "sections") == load([run(config)], "sections")


def test_expired_tokens_read_in_full(sandbox, caplog) -> None:
    config = config_for(sandbox)
    first = run(config)
    state = json.loads(json.dumps(first.state))
    for kept in state["bookmarks"]["projects"][STATE_KEY].values():
        kept["sync"] = "expired"
    requests_by_route(sandbox)

    second = run(config, state)

    projects = projects_with_sections(sandbox)
    assert requests_by_route(sandbox)[SECTIONS_ROUTE] == len(projects)
    assert "events sync token expired" in caplog.text
    # The workspace's deletions are tracked, so no ACTIVATE_VERSION; the next run skips again.
    assert second.activated("sections") == 0
    run(config, second.state)
    assert SECTIONS_ROUTE not in requests_by_route(sandbox)


def test_an_expired_workspace_token_leaves_deletions_to_the_remembered_sections(sandbox) -> None:
    """Without the workspace's events (token expired), the sections remembered at each project's last read
    find a deleted one: its project's events name it, and the read that follows no longer lists it."""
    config = config_for(sandbox)
    project = projects_with_sections(sandbox)[0]
    doomed = sandbox.post(f"/projects/{project['gid']}/sections", {"name": "Short-lived"}).json()["data"]
    first = run(config)
    state = json.loads(json.dumps(first.state))
    tokens = state["bookmarks"]["workspaces"]["deletions_sync"]
    state["bookmarks"]["workspaces"]["deletions_sync"] = {gid: "expired" for gid in tokens}
    assert sandbox.delete(f"/sections/{doomed['gid']}").ok
    requests_by_route(sandbox)

    second = run(config, state)

    assert requests_by_route(sandbox)[SECTIONS_ROUTE] == 1  # the project whose events name the section
    assert second.activated("sections") == 0
    assert [r["gid"] for r in second.records("sections") if r.get(DELETED_AT)] == [doomed["gid"]]
    assert load([first, second], "sections") == load([run(config)], "sections")


def test_a_workspace_without_workspace_events_skips_on_remembered_sections(sandbox, caplog) -> None:
    """Asana serves a workspace's events to an Enterprise+ Service Account only (402 below Enterprise). There
    the first run reads every project's sections with ACTIVATE_VERSION and remembers them; later runs skip
    unchanged projects, and a deleted section or project is found from what was remembered."""
    caplog.set_level(logging.INFO)
    every_workspace = tap_config(sandbox, emit_activate_version_messages=True)
    with sandbox.store.lock:
        tracked = set(workspaces_with_events(sandbox.store))
        untracked = {w["gid"] for w in sandbox.store.all("workspace")} - tracked
        projects = [
            p for p in sandbox.store.all("project") if sandbox.store.related("section", "project", p["gid"])
        ]
    mine = [p for p in projects if p["workspace"]["gid"] in untracked]
    assert len(mine) >= 2
    doomed = sandbox.post(f"/projects/{mine[0]['gid']}/sections", {"name": "Short-lived"}).json()["data"]
    first = run(every_workspace)
    assert first.activated("sections") == len(projects)
    assert "they need an Enterprise+ Service Account token" in caplog.text
    requests_by_route(sandbox)

    second = run(every_workspace, first.state)
    assert SECTIONS_ROUTE not in requests_by_route(sandbox)
    assert second.activated("sections") == 0
    assert len(second.tap.change_signals.skipped) == len(projects)

    with sandbox.store.lock:
        gone_sections = {s["gid"] for s in sandbox.store.related("section", "project", mine[1]["gid"])}
    assert sandbox.delete(f"/sections/{doomed['gid']}").ok
    assert sandbox.delete(f"/projects/{mine[1]['gid']}").ok
    third = run(every_workspace, second.state)
    tombstones = {r["gid"] for r in third.records("sections") if r.get(DELETED_AT)}
    assert tombstones == {doomed["gid"]} | gone_sections
    assert third.activated("sections") == 0
    remembered = third.state["bookmarks"]["workspaces"]["deletions_children"]["sections"]
    assert mine[1]["gid"] not in remembered and doomed["gid"] not in remembered[mine[0]["gid"]]
    assert load([first, second, third], "sections") == load([run(every_workspace)], "sections")


def test_without_remembered_sections_an_untracked_workspace_is_read_in_full(sandbox) -> None:
    """A state written before sections were remembered (or that lost them): nothing proves a deletion would
    be seen, so the sections are read in full, with ACTIVATE_VERSION, and remembered for the next run."""
    every_workspace = tap_config(sandbox, emit_activate_version_messages=True)
    first = run(every_workspace)
    state = json.loads(json.dumps(first.state))
    del state["bookmarks"]["workspaces"]["deletions_children"]["sections"]
    with sandbox.store.lock:
        tracked = set(workspaces_with_events(sandbox.store))
        projects = [
            p for p in sandbox.store.all("project") if sandbox.store.related("section", "project", p["gid"])
        ]
    untracked = [p for p in projects if p["workspace"]["gid"] not in tracked]
    assert untracked
    requests_by_route(sandbox)
    second = run(every_workspace, state)
    assert requests_by_route(sandbox)[SECTIONS_ROUTE] == len(projects)
    assert second.activated("sections") == len(projects)
    assert not second.tap.change_signals.skipped
    assert set(second.state["bookmarks"]["workspaces"]["deletions_children"]["sections"]) >= {
        p["gid"] for p in projects
    }
    run(every_workspace, second.state)
    assert SECTIONS_ROUTE not in requests_by_route(sandbox)


def test_the_setting_turns_the_signals_off(sandbox) -> None:
    config = config_for(sandbox, change_signals=False)
    first = run(config)
    requests_by_route(sandbox)
    second = run(config, first.state)
    assert requests_by_route(sandbox)[SECTIONS_ROUTE] == len(projects_with_sections(sandbox))
    assert second.activated("sections") > 0


def test_a_failed_run_keeps_the_previous_tokens(sandbox) -> None:
    """Tokens and the streams read under them are stored only by a run that completed."""
    config = config_for(sandbox)
    first = run(config)
    kept = first.state["bookmarks"]["projects"][STATE_KEY]
    tap = dying_run(config, first.state, "project_memberships").tap
    # Out of the state while the run went (a STATE message of a dying run does not carry them) ...
    assert STATE_KEY not in tap.state["bookmarks"]["projects"]
    # ... and the run that follows the failure reads in full, then skips again.
    requests_by_route(sandbox)
    again = run(config, tap.state)
    assert requests_by_route(sandbox)[SECTIONS_ROUTE] == len(kept)
    run(config, again.state)
    assert SECTIONS_ROUTE not in requests_by_route(sandbox)


def test_the_tasks_stream_gets_the_same_answer_without_a_second_call(sandbox) -> None:
    """`events_page` answers a second ask with the same token from the first answer (Asana: asking again with
    the current token returns the same events), once; another token is a request of its own."""
    config = config_for(sandbox)
    first = run(config)
    tap = TapAsana(config=config, state=first.state, catalog=selected_catalog(config, (*STREAMS, "tasks")))
    signals, sections, tasks = tap.change_signals, tap.streams["sections"], tap.streams["tasks"]
    workspace = next(iter(first.state["bookmarks"]["workspaces"]["deletions_sync"]))
    deletions = DeletionWatch(tap, [workspace])
    deletions.tracked.add(workspace)
    deletions.orphans.load(first.state["bookmarks"]["workspaces"]["deletions_children"])
    signals.start(deletions)
    project = projects_with_sections(sandbox)[0]["gid"]
    context = {"workspace_gid": workspace, "project_gid": project}
    token = signals._kept[project]["sync"]
    requests_by_route(sandbox)

    assert signals.unchanged(sections, context) is True
    page = signals.events_page(tasks, project, token, context)
    assert requests_by_route(sandbox)["GET /events"] == 1
    assert page["data"] == [] and page["sync"] == signals.projects[project].next_token
    # Served once: asked again, or with another token, it is a request.
    signals.events_page(tasks, project, token, context)
    assert requests_by_route(sandbox)["GET /events"] == 1


def test_a_page_of_projects_is_read_ahead_at_once(sandbox) -> None:
    """`read_ahead` reads several projects' events concurrently; the decisions then send no request."""
    config = config_for(sandbox, max_concurrent_requests=4)
    first = run(config)
    tap = TapAsana(config=config, state=first.state, catalog=selected_catalog(config, STREAMS))
    signals, sections = tap.change_signals, tap.streams["sections"]
    workspace = next(iter(first.state["bookmarks"]["workspaces"]["deletions_sync"]))
    deletions = DeletionWatch(tap, [workspace])
    deletions.tracked.add(workspace)
    deletions.orphans.load(first.state["bookmarks"]["workspaces"]["deletions_children"])
    signals.start(deletions)
    projects = projects_with_sections(sandbox)
    contexts = [{"workspace_gid": workspace, "project_gid": p["gid"]} for p in projects]
    requests_by_route(sandbox)

    signals.read_ahead(sections, contexts)
    assert requests_by_route(sandbox)["GET /events"] == len(contexts)
    signals.read_ahead(sections, contexts)  # read once per run
    assert all(signals.unchanged(sections, context) for context in contexts)
    assert "GET /events" not in requests_by_route(sandbox)


# -- the change-during-sync check for sections and memberships ---------------------------------------------


class Changer:
    """Changes sections and memberships through the API: sections added, renamed and deleted, projects
    renamed, members added and removed."""

    def __init__(self, sandbox: Any, seed: int) -> None:
        self.sandbox = sandbox
        self.rng = random.Random(seed)
        self.log: list[str] = []
        self.created: list[str] = []
        with sandbox.store.lock:
            # Half the projects change; the others' sections must be skipped, and still hold.
            projects = sorted(p["gid"] for p in sandbox.store.all("project"))
            self.projects = self.rng.sample(projects, len(projects) // 2)
            self.users = [u["gid"] for u in sandbox.store.all("user")]

    def step(self) -> None:
        sandbox, rng = self.sandbox, self.rng
        project = rng.choice(self.projects)
        kind = rng.choice(["add", "rename", "delete", "project", "member+", "member-"])
        if kind == "add":
            answer = sandbox.post(f"/projects/{project}/sections", {"name": f"S{rng.randrange(10**6)}"})
            if answer.ok:
                self.created.append(answer.json()["data"]["gid"])
        elif kind == "rename":
            with sandbox.store.lock:
                sections = [s["gid"] for s in sandbox.store.related("section", "project", project)]
            answer = sandbox.put(f"/sections/{rng.choice(sections)}", {"name": f"R{rng.randrange(10**6)}"})
        elif kind == "delete" and self.created:
            answer = sandbox.delete(f"/sections/{self.created.pop(rng.randrange(len(self.created)))}")
        elif kind == "project":
            answer = sandbox.put(f"/projects/{project}", {"name": f"P{rng.randrange(10**6)}"})
        else:
            path = "addMembers" if kind == "member+" else "removeMembers"
            answer = sandbox.post(f"/projects/{project}/{path}", {"members": rng.choice(self.users)})
        if answer.ok:
            self.log.append(kind)


def run_while_changing(config: dict[str, Any], state: dict | None, changer: Changer) -> Run:
    """A run in which the sandbox changes right before and right after each partition's decision (after
    the project's events were read, before its sections are), and in between, as a user would."""
    catalog = selected_catalog(config, STREAMS)
    tap = TapAsana(config=config, state=state, catalog=catalog)
    decide = tap.change_signals.unchanged

    def unchanged(stream: Any, context: Any) -> bool:
        changer.step()
        answer = decide(stream, context)
        changer.step()
        return answer

    tap.change_signals.unchanged = unchanged
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap.sync_all()
    return Run([json.loads(line) for line in buffer.getvalue().splitlines()], tap)


def new_second() -> None:
    """Wait for the clock's next whole second."""
    now = time.time()
    time.sleep(math.floor(now) + 1.01 - now)


@pytest.mark.parametrize("every_workspace", [False, True], ids=["tracked", "every-workspace"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_changes_during_a_sync_then_one_incremental_run_hold_what_a_fresh_sync_holds(
    sandbox, seed, every_workspace
) -> None:
    """In the workspaces whose deletions are tracked, and in every workspace (those whose events cannot be
    read rely on the remembered sections)."""
    if every_workspace:
        config = tap_config(sandbox, emit_activate_version_messages=True)
    else:
        config = config_for(sandbox)
    changer = Changer(sandbox, seed)
    # There memberships leave by ACTIVATE_VERSION alone, whose version is the run's start in whole seconds
    # (the SDK's): runs a second apart, as scheduled runs are, so that each has a version of its own.
    pause = new_second if every_workspace else (lambda: None)
    # A first run sets the tokens; the sync under test is an incremental one that may skip.
    base = run(config)
    pause()
    during = run_while_changing(config, base.state, changer)
    pause()
    after = run(config, during.state)
    pause()
    fresh = run(config)

    assert len(set(changer.log)) >= 5, changer.log  # every kind of change happened
    assert during.tap.change_signals.skipped  # some projects were skipped while others changed
    for stream in STREAMS:
        assert load([base, during, after], stream) == load([fresh], stream), stream


def test_loader_model_drops_rows_an_activate_version_did_not_renew() -> None:
    """The helper above behaves like target-postgres: a new version drops the rows of the older one."""
    first = Run(
        [
            {"type": "ACTIVATE_VERSION", "stream": "s", "version": 1},
            {"type": "RECORD", "stream": "s", "record": {"gid": "a"}, "version": 1},
            {"type": "RECORD", "stream": "s", "record": {"gid": "b"}, "version": 1},
        ]
    )
    second = Run(
        [
            {"type": "ACTIVATE_VERSION", "stream": "s", "version": 2},
            {"type": "RECORD", "stream": "s", "record": {"gid": "a", "n": 2}, "version": 2},
        ]
    )
    third = Run([{"type": "RECORD", "stream": "s", "record": {"gid": "a", DELETED_AT: "2026-01-01"}}])
    assert load([first], "s") == {"a": {"gid": "a"}, "b": {"gid": "b"}}
    assert load([first, second], "s") == {"a": {"gid": "a", "n": 2}}
    assert load([first, second, third], "s") == {}
