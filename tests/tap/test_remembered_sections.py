"""Sections remembered per project (tap_asana/orphans.py, `VANISHING`), which let the change signals skip an
unchanged project's sections in any workspace: the sequences of runs that could leave a loader holding a
section Asana no longer has, each checked against a fresh full sync. A loader here honours upserts,
tombstones and ACTIVATE_VERSION (`load`); runs are a second apart where ACTIVATE_VERSION must tell them
apart (the SDK's version is the run's start in whole seconds)."""

from __future__ import annotations

import copy
import io
import json
from contextlib import redirect_stdout
from typing import Any

import pytest

from tap_asana.client import AsanaStream
from tap_asana.deletions import DELETED_AT, DeletionWatch
from tap_asana.tap import TapAsana
from tests.tap.expected import workspaces_with_events
from tests.tap.tap_runner import selected_catalog, tap_config
from tests.tap.test_change_signals import (
    STATE_KEY,
    STREAMS,
    Run,
    config_for,
    dying_run,
    load,
    new_second,
    projects_with_sections,
    run,
)


def every_workspace(sandbox: Any, **overrides: Any) -> dict[str, Any]:
    return tap_config(sandbox, emit_activate_version_messages=True, **overrides)


def workspaces(sandbox: Any) -> tuple[str, str]:
    """(a workspace whose events the token reads, one whose events it does not)."""
    with sandbox.store.lock:
        tracked = set(workspaces_with_events(sandbox.store))
        every = {w["gid"] for w in sandbox.store.all("workspace")}
    return sorted(tracked)[0], sorted(every - tracked)[0]


def project_in(sandbox: Any, workspace: str) -> str:
    """A project of `workspace` with sections."""
    with sandbox.store.lock:
        return next(
            p["gid"]
            for p in sandbox.store.all("project")
            if p["workspace"]["gid"] == workspace and sandbox.store.related("section", "project", p["gid"])
        )


def add_section(sandbox: Any, project: str) -> str:
    """A section that may be deleted (Asana deletes only an empty section that is not the project's last)."""
    return str(sandbox.post(f"/projects/{project}/sections", {"name": "Short-lived"}).json()["data"]["gid"])


def assert_holds_what_asana_has(runs: list[Run], config: dict[str, Any]) -> None:
    new_second()
    assert load(runs, "sections") == load([run(config)], "sections")


def run_failing_at_tombstones(
    config: dict[str, Any], state: dict | None, error: BaseException, monkeypatch: Any
) -> Run:
    """A run whose streams all complete and that dies as it writes the remembered rows' tombstones."""

    def fails(self: DeletionWatch) -> int:
        raise error

    monkeypatch.setattr(DeletionWatch, "_emit_orphans", fails)
    tap = TapAsana(config=config, state=state, catalog=selected_catalog(config, STREAMS))
    buffer = io.StringIO()
    with redirect_stdout(buffer), pytest.raises(type(error)):
        tap.sync_all()
    monkeypatch.undo()
    return Run([json.loads(line) for line in buffer.getvalue().splitlines()], tap)


@pytest.mark.parametrize("tracked", [False, True], ids=["no-workspace-events", "workspace-events"])
def test_a_section_first_emitted_by_a_run_that_died_is_remembered(sandbox, tracked) -> None:
    """Only a completed run replaces the lists; one that dies adds what it emitted, so a section it emitted
    and Asana deleted before the next run is tombstoned (no ACTIVATE_VERSION would drop it)."""
    config = every_workspace(sandbox)
    project = project_in(sandbox, workspaces(sandbox)[0 if tracked else 1])
    first = run(config)
    section = add_section(sandbox, project)
    failed = dying_run(config, first.state, "project_memberships", project=project)
    assert section in {r["gid"] for r in failed.records("sections")}
    remembered = failed.state["bookmarks"]["workspaces"]["deletions_children"]["sections"]
    assert section in remembered[project]
    assert sandbox.delete(f"/sections/{section}").ok
    new_second()
    after = run(config, failed.state)
    assert section in {r["gid"] for r in after.records("sections") if r.get(DELETED_AT)}
    assert_holds_what_asana_has([first, failed, after], config)


def test_a_run_stopped_before_its_tombstones_keeps_the_old_tokens(sandbox, monkeypatch) -> None:
    """Tombstones go out before the new project tokens are kept: a run stopped in between leaves the old
    tokens, whose events name the deleted section again."""
    config = every_workspace(sandbox, state_interval_seconds=0)
    project = project_in(sandbox, workspaces(sandbox)[1])
    section = add_section(sandbox, project)
    first = run(config)
    assert sandbox.delete(f"/sections/{section}").ok

    dying = run_failing_at_tombstones(config, first.state, KeyboardInterrupt("stopped"), monkeypatch)
    assert STATE_KEY not in dying.state["bookmarks"]["projects"]
    new_second()
    after = run(config, dying.state)
    assert section in {r["gid"] for r in after.records("sections") if r.get(DELETED_AT)}
    assert_holds_what_asana_has([first, dying, after], config)


@pytest.mark.parametrize(
    "expire_projects", [False, True], ids=["project-tokens-held", "project-tokens-expired"]
)
def test_a_state_from_before_sections_were_remembered_with_every_workspace_tracked(
    sandbox, expire_projects
) -> None:
    """Every workspace tracked and no remembered sections (an older tap's state): projects are skipped only
    once remembered, so a deletion after the workspace token expired is still found."""
    config = config_for(sandbox)
    projects = projects_with_sections(sandbox)
    project, other = projects[0]["gid"], projects[1]["gid"]
    section = add_section(sandbox, project)
    first = run(config)
    old = copy.deepcopy(first.state)
    del old["bookmarks"]["workspaces"]["deletions_children"]["sections"]
    with sandbox.store.lock:
        renamed = sandbox.store.related("section", "project", other)[0]["gid"]
    assert sandbox.put(f"/sections/{renamed}", {"name": "Renamed"}).ok
    upgraded = run(config, old)
    assert project in upgraded.state["bookmarks"]["workspaces"]["deletions_children"]["sections"]
    assert sandbox.delete(f"/sections/{section}").ok
    state = copy.deepcopy(upgraded.state)
    kept = state["bookmarks"]["workspaces"]
    kept["deletions_sync"] = dict.fromkeys(kept["deletions_sync"], "expired")
    if expire_projects:
        for project_kept in state["bookmarks"]["projects"][STATE_KEY].values():
            project_kept["sync"] = "expired"
    after = run(config, state)
    assert section in {r["gid"] for r in after.records("sections") if r.get(DELETED_AT)}
    assert_holds_what_asana_has([first, upgraded, after], config)


@pytest.mark.parametrize("tracked", [False, True], ids=["no-workspace-events", "workspace-events"])
def test_a_project_deleted_while_sections_were_not_synced(sandbox, tracked) -> None:
    """Its sections are tombstoned by the next run that syncs them (the run without them kept their list)."""
    config = every_workspace(sandbox)
    project = project_in(sandbox, workspaces(sandbox)[0 if tracked else 1])
    with sandbox.store.lock:
        gone = {s["gid"] for s in sandbox.store.related("section", "project", project)}
    first = run(config)
    assert sandbox.delete(f"/projects/{project}").ok
    new_second()
    second = run(config, first.state, streams=("project_memberships",))
    assert project in second.state["bookmarks"]["workspaces"]["deletions_children"]["sections"]
    new_second()
    third = run(config, second.state)
    assert gone <= {r["gid"] for r in third.records("sections") if r.get(DELETED_AT)}
    assert_holds_what_asana_has([first, second, third], config)


def test_a_narrowed_run_without_signals_then_every_workspace_again(sandbox) -> None:
    """A run over one workspace tombstones the other's sections (their projects were not reached) and forgets
    them: back over both, those projects are read in full, not skipped on their kept tokens."""
    tracked, untracked = workspaces(sandbox)
    first = run(every_workspace(sandbox))
    new_second()
    narrowed = run(every_workspace(sandbox, workspaces=[untracked], change_signals=False), first.state)
    assert any(r.get(DELETED_AT) for r in narrowed.records("sections"))
    new_second()
    again = run(every_workspace(sandbox), narrowed.state)
    assert {r["project_gid"] for r in again.records("sections") if not r.get(DELETED_AT)} >= {
        p["gid"] for p in projects_with_sections(sandbox) if p["workspace"]["gid"] == tracked
    }
    assert_holds_what_asana_has([first, narrowed, again], every_workspace(sandbox))


def test_every_project_of_a_workspace_deleted(sandbox) -> None:
    _, untracked = workspaces(sandbox)
    first = run(every_workspace(sandbox))
    with sandbox.store.lock:
        doomed = [p["gid"] for p in sandbox.store.all("project") if p["workspace"]["gid"] == untracked]
    for project in doomed:
        assert sandbox.delete(f"/projects/{project}").ok
    new_second()
    second = run(every_workspace(sandbox, workspaces=[untracked]), first.state)
    new_second()
    third = run(every_workspace(sandbox), second.state)
    assert_holds_what_asana_has([first, second, third], every_workspace(sandbox))


@pytest.mark.parametrize("tracked", [False, True], ids=["no-workspace-events", "workspace-events"])
def test_a_refused_sections_listing_is_not_a_read(sandbox, monkeypatch, tracked) -> None:
    """A 400 (or 402/403) ends the partition with no error but reads nothing: its remembered sections stay,
    none is tombstoned, and the next run reads the project again rather than skip it."""
    config = every_workspace(sandbox)
    project = project_in(sandbox, workspaces(sandbox)[0 if tracked else 1])
    first = run(config)
    with sandbox.store.lock:
        renamed = sandbox.store.related("section", "project", project)[0]["gid"]
    assert sandbox.put(f"/sections/{renamed}", {"name": "Renamed"}).ok  # so that the project is read
    route_request = AsanaStream.route_request

    def refused(self: AsanaStream, route: Any, context: Any, token: Any) -> Any:
        request = route_request(self, route, context, token)
        if self.name == "sections" and (context or {}).get("project_gid") == project:
            request.params["limit"] = 0  # Asana answers 400
        return request

    monkeypatch.setattr(AsanaStream, "route_request", refused)
    new_second()
    second = run(config, first.state)
    monkeypatch.undo()
    assert second.tap.streams["sections"].partitions_refused == 1
    assert not [r for r in second.records("sections") if r.get(DELETED_AT)]
    assert second.state["bookmarks"]["workspaces"]["deletions_children"]["sections"][project]
    assert "sections" not in second.state["bookmarks"]["projects"][STATE_KEY][project]["read"]
    new_second()
    third = run(config, second.state)
    assert ("sections", project) not in third.tap.change_signals.skipped
    assert_holds_what_asana_has([first, second, third], config)


def test_a_failure_at_the_end_of_the_run_keeps_what_it_emitted(sandbox, monkeypatch) -> None:
    """An error after the streams (a restored object that cannot be fetched, say) ends the run as any
    failure does: the remembered rows gain what it emitted."""
    config = every_workspace(sandbox)
    project = project_in(sandbox, workspaces(sandbox)[1])
    first = run(config)
    section = add_section(sandbox, project)

    failed = run_failing_at_tombstones(config, first.state, RuntimeError("retries exhausted"), monkeypatch)
    assert section in failed.state["bookmarks"]["workspaces"]["deletions_children"]["sections"][project]
    assert sandbox.delete(f"/sections/{section}").ok
    new_second()
    after = run(config, failed.state)
    assert section in {r["gid"] for r in after.records("sections") if r.get(DELETED_AT)}
    assert_holds_what_asana_has([first, failed, after], config)
