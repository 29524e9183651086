"""Write cases for sections: create, insert (reorder), update, delete, addTask."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _project(store: Store) -> Record:
    return store.all("project")[0]


def _sections(store: Store) -> list[Record]:
    return store.related("section", "project", _project(store)["gid"])


def _empty_section(store: Store) -> str:
    """A section without tasks in a project that has others (only such a section can be deleted)."""
    return next(
        s["gid"] for s in store.all("section") if not store.related("task", "memberships.section", s["gid"])
    )


def _task_elsewhere(store: Store) -> str:
    """A task of the project that is not in its last section."""
    last = _sections(store)[-1]["gid"]
    return next(
        t["gid"]
        for t in store.related("task", "projects", _project(store)["gid"])
        if all(m.get("section", {}).get("gid") != last for m in t["memberships"])
    )


CASES = [
    WriteCase(
        "POST /projects/{project_gid}/sections",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}/sections",
            {"data": {"name": "Next up", "insert_before": _sections(s)[0]["gid"]}},
        ),
        201,
    ),
    WriteCase(
        "POST /projects/{project_gid}/sections",
        lambda s: WriteRequest(f"/projects/{_project(s)['gid']}/sections", {"data": {"name": ""}}),
        400,
        "empty name",
    ),
    WriteCase(
        "POST /projects/{project_gid}/sections/insert",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}/sections/insert",
            {"data": {"section": _sections(s)[-1]["gid"], "before_section": _sections(s)[0]["gid"]}},
        ),
    ),
    WriteCase(
        "PUT /sections/{section_gid}",
        lambda s: WriteRequest(f"/sections/{_sections(s)[0]['gid']}", {"data": {"name": "Doing"}}),
    ),
    WriteCase("DELETE /sections/{section_gid}", lambda s: WriteRequest(f"/sections/{_empty_section(s)}")),
    WriteCase(
        "DELETE /sections/{section_gid}",
        lambda s: WriteRequest(f"/sections/{_sections(s)[0]['gid']}"),
        400,
        "not empty",
    ),
    WriteCase(
        "POST /sections/{section_gid}/addTask",
        lambda s: WriteRequest(
            f"/sections/{_sections(s)[-1]['gid']}/addTask", {"data": {"task": _task_elsewhere(s)}}
        ),
    ),
    WriteCase(
        "POST /sections/{section_gid}/addTask",
        lambda s: WriteRequest(f"/sections/{_sections(s)[-1]['gid']}/addTask", {"data": {}}),
        400,
        "no task",
    ),
]
