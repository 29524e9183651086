"""The table-driven sinks (tags here; the other objects follow the same path): upsert, diff, delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sandbox_client import SandboxClient
from tests.tap.tap_runner import run_tap, tap_config
from tests.target.conftest import write_requests
from tests.target.target_runner import record_message, run_target, schema_message, singer_lines, target_config

TAG_SCHEMA = {
    "gid": {"type": ["string", "null"]},
    "name": {"type": ["string", "null"]},
    "color": {"type": ["string", "null"]},
    "notes": {"type": ["string", "null"]},
    "workspace": {"type": ["object", "null"]},
    "_sdc_deleted_at": {"type": ["string", "null"]},
}


def _tags(fresh: SandboxClient) -> list[dict]:
    return run_tap(tap_config(fresh), streams=["tags"]).records["tags"]


def test_round_trip_of_unchanged_tags_writes_nothing(fresh: SandboxClient, tmp_path: Path) -> None:
    tap = run_tap(tap_config(fresh), streams=["tags"])
    fresh.control("reset", {})
    result = run_target(target_config(fresh, tmp_path), singer_lines(tap))
    assert write_requests(fresh) == {}
    assert result.streams["tags"]["unchanged"] == len(tap.records["tags"]) > 0


def test_a_changed_field_is_one_put_of_that_field(fresh: SandboxClient, tmp_path: Path) -> None:
    tag = _tags(fresh)[0]
    fresh.control("reset", {})
    changed = {**tag, "name": "Renamed by the target"}
    result = run_target(
        target_config(fresh, tmp_path), [schema_message("tags", TAG_SCHEMA), record_message("tags", changed)]
    )
    assert write_requests(fresh) == {"PUT /tags/{tag_gid}": 1}
    assert result.totals["updated"] == 1
    assert fresh.store.get(tag["gid"])["name"] == "Renamed by the target"


def test_records_without_gid_match_by_name_and_are_created_once(fresh: SandboxClient, tmp_path: Path) -> None:
    workspace = fresh.store.all("workspace")[0]["gid"]
    existing = next(t for t in fresh.store.all("tag") if t["workspace"]["gid"] == workspace)
    records = [
        {"name": existing["name"], "workspace": {"gid": workspace}},
        {"name": "Escalated", "color": "dark-red", "workspace": {"gid": workspace}},
    ]
    messages = [schema_message("tags", TAG_SCHEMA, keys=()), *(record_message("tags", r) for r in records)]
    config = target_config(fresh, tmp_path)
    first = run_target(config, messages)
    second = run_target(config, messages)
    assert (first.totals["created"], first.totals["unchanged"]) == (1, 1)
    assert (second.totals["created"], second.totals["unchanged"]) == (0, 2)
    assert [t["name"] for t in fresh.store.all("tag")].count("Escalated") == 1


def test_dry_run_reports_and_writes_nothing(fresh: SandboxClient, tmp_path: Path) -> None:
    tag = _tags(fresh)[0]
    fresh.control("reset", {})
    workspace = tag["workspace"]["gid"]
    messages = [
        schema_message("tags", TAG_SCHEMA),
        record_message("tags", {**tag, "notes": "changed"}),
        record_message("tags", {"gid": None, "name": "Brand new", "workspace": {"gid": workspace}}),
    ]
    result = run_target(target_config(fresh, tmp_path, dry_run=True), messages)
    assert write_requests(fresh) == {}
    assert (result.totals["updated"], result.totals["created"]) == (1, 1)
    assert "Brand new" not in {t["name"] for t in fresh.store.all("tag")}


def test_deletes_only_when_asked(fresh: SandboxClient, tmp_path: Path) -> None:
    tag = _tags(fresh)[0]
    gone = {**tag, "_sdc_deleted_at": "2026-01-01T00:00:00Z"}
    messages = [schema_message("tags", TAG_SCHEMA), record_message("tags", gone)]
    ignored = run_target(target_config(fresh, tmp_path), messages)
    assert ignored.totals["skipped"] == 1 and fresh.store.get(tag["gid"]) is not None
    soft = run_target(target_config(fresh, tmp_path, deletes="soft"), messages)
    assert soft.totals["skipped"] == 1 and fresh.store.get(tag["gid"]) is not None  # a tag has no soft delete
    hard = run_target(target_config(fresh, tmp_path, deletes="hard"), messages)
    assert hard.totals["deleted"] == 1 and fresh.store.get(tag["gid"]) is None
    again = run_target(target_config(fresh, tmp_path, deletes="hard"), messages)
    assert again.totals["unchanged"] == 1


def test_invalid_records_go_to_the_rejects_file_and_the_rest_is_written(
    fresh: SandboxClient, tmp_path: Path
) -> None:
    tag = _tags(fresh)[0]
    messages = [
        schema_message("tags", TAG_SCHEMA),
        record_message("tags", {**tag, "name": 12}),
        record_message("tags", {**tag, "color": "not-a-colour"}),
        record_message("tags", {**tag, "notes": "kept"}),
        {"type": "STATE", "value": {"bookmarks": {"tags": {"after": "three records"}}}},
    ]
    result = run_target(target_config(fresh, tmp_path), messages)
    assert result.totals["rejected"] == 2 and result.totals["updated"] == 1
    reasons = [r["reason"] for r in result.rejects]
    assert "does not match the stream's schema" in reasons[0]
    assert "color" in reasons[1]
    assert fresh.store.get(tag["gid"])["notes"] == "kept"
    assert result.exit_code == 0
    strict = run_target(target_config(fresh, tmp_path, fail_on_rejects=True), messages)
    assert strict.exit_code == 1
    assert strict.states == [{"bookmarks": {"tags": {"after": "three records"}}}], (
        "state follows what was written"
    )


def _new_records(store) -> dict[str, tuple[dict, str, str]]:
    """Per stream: a record (no gid) that makes a new object, its resource type and a field to find it by."""
    workspace = store.all("workspace")[0]
    ws = {"gid": workspace["gid"]}
    project = next(
        p for p in store.all("project") if p["workspace"]["gid"] == workspace["gid"] and not p["archived"]
    )
    task = next(
        t for t in store.all("task") if any(p["gid"] == project["gid"] for p in t.get("projects") or ())
    )
    members = {
        m["member"]["gid"] for m in store.related("membership", "parent", project["gid"]) if m.get("member")
    }
    outsider = next(
        u
        for u in store.all("user")
        if workspace["gid"] in {w["gid"] for w in u["workspaces"]} and u["gid"] not in members
    )
    return {
        "projects": (
            {"name": "Target-made project", "workspace": ws, "team": project.get("team"), "notes": "n"},
            "project",
            "name",
        ),
        "sections": ({"name": "Target-made section", "project_gid": project["gid"]}, "section", "name"),
        "stories": (
            {"text": "Target-made comment", "type": "comment", "task_gid": task["gid"]},
            "story",
            "text",
        ),
        "time_tracking_entries": (
            {"duration_minutes": 37, "entered_on": "2026-11-02", "task_gid": task["gid"]},
            "time_tracking_entry",
            "duration_minutes",
        ),
        "status_updates": (
            {
                "title": "Target-made status",
                "status_type": "on_track",
                "text": "fine",
                "parent": {"gid": project["gid"]},
            },
            "status_update",
            "title",
        ),
        "memberships": (
            {"parent": {"gid": project["gid"]}, "member": {"gid": outsider["gid"]}, "access_level": "editor"},
            "membership",
            "access_level",
        ),
    }


def _schema_for(record: dict) -> dict:
    return {k: {"type": ["string", "integer", "object", "null"]} for k in record}


@pytest.mark.parametrize(
    "stream", ["projects", "sections", "stories", "time_tracking_entries", "status_updates", "memberships"]
)
def test_new_objects_are_created_once_across_reruns(
    fresh: SandboxClient, tmp_path: Path, stream: str
) -> None:
    record, resource_type, field = _new_records(fresh.store)[stream]
    messages = [schema_message(stream, _schema_for(record), keys=()), record_message(stream, record)]
    before = len(fresh.store.all(resource_type))
    first = run_target(target_config(fresh, tmp_path), messages)
    assert (first.totals["created"], first.totals["rejected"]) == (1, 0), first.rejects
    second = run_target(target_config(fresh, tmp_path), messages)
    assert second.totals["unchanged"] == 1, (second.totals, second.rejects)
    made = [r for r in fresh.store.all(resource_type) if r.get(field) == record[field]]
    assert len(fresh.store.all(resource_type)) == before + 1 and len(made) >= 1
