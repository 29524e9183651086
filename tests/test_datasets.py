"""The sandbox's datasets: deterministic, complete objects, consistent references, the promised sizes."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from asana_sandbox.datasets import DATASETS, UnknownDatasetError, load_dataset
from asana_sandbox.datasets.builder import SPAN_DAYS

# Every field of each object's full response schema (Asana OAS `<Name>Response`), written out by hand so
# the test does not depend on the spec or on the generator's own tables.
FIELDS: dict[str, str] = {
    "workspace": "gid resource_type name email_domains is_organization",
    "user": "gid resource_type name email photo workspaces custom_fields",
    "workspace_membership": "gid resource_type user workspace user_task_list is_active is_admin is_guest "
    "is_view_only vacation_dates created_at",
    "team": "gid resource_type name description html_description organization permalink_url visibility "
    "edit_team_name_or_description_access_level edit_team_visibility_or_trash_team_access_level "
    "member_invite_management_access_level guest_invite_management_access_level "
    "join_request_management_access_level team_member_removal_access_level "
    "team_content_management_access_level endorsed custom_field_settings",
    "team_membership": "gid resource_type user team is_guest is_limited_access is_admin",
    "project": "gid resource_type name archived color icon created_at current_status current_status_update "
    "custom_field_settings default_view due_date due_on html_notes members modified_at notes public "
    "privacy_setting start_on default_access_level minimum_access_level_for_customization "
    "minimum_access_level_for_sharing custom_fields completed completed_at completed_by followers owner team "
    "permalink_url project_brief created_from_template workspace",
    "project_membership": "gid resource_type parent member access_level user project write_access",
    "membership": "gid resource_type resource_subtype member parent role access_level goal user workspace",
    "section": "gid resource_type name created_at project projects",
    "task": "gid resource_type name resource_subtype created_by approval_status assignee_status assigned_by "
    "completed completed_at completed_by created_at dependencies dependents due_at due_on external "
    "html_notes hearted hearts is_rendered_as_separator liked likes memberships modified_at notes "
    "num_hearts num_likes num_subtasks start_at start_on actual_time_minutes assignee assignee_section "
    "custom_fields custom_type custom_type_status_option followers parent projects tags workspace "
    "permalink_url",
    "story": "gid resource_type created_at resource_subtype text html_text is_pinned sticker_name created_by "
    "type is_editable is_edited hearted hearts num_hearts liked likes num_likes reaction_summary previews "
    "old_name new_name old_dates new_dates old_resource_subtype new_resource_subtype story assignee follower "
    "old_section new_section task project tag custom_field old_text_value new_text_value old_number_value "
    "new_number_value old_enum_value new_enum_value old_date_value new_date_value old_people_value "
    "new_people_value old_multi_enum_values new_multi_enum_values new_approval_status old_approval_status "
    "duplicate_of duplicated_from dependency source target",
    "attachment": "gid resource_type name resource_subtype created_at download_url permanent_url host parent "
    "size view_url connected_to_app",
    "tag": "gid resource_type name color notes created_at followers workspace permalink_url",
    "custom_field": "gid resource_type name type enum_options enabled representation_type id_prefix "
    "input_restrictions is_formula_field date_value enum_value multi_enum_values number_value text_value "
    "display_value description precision format currency_code custom_label custom_label_position "
    "is_global_to_workspace has_notifications_enabled asana_created_field is_value_read_only created_by "
    "people_value reference_value html_text_value privacy_setting default_access_level resource_subtype",
    "custom_field_setting": "gid resource_type project is_important parent custom_field",
    "custom_type": "gid resource_type name status_options",
    "portfolio": "gid resource_type name archived color start_on due_on default_access_level created_at "
    "created_by custom_field_settings current_status_update custom_fields members owner workspace "
    "permalink_url public privacy_setting project_templates",
    "portfolio_membership": "gid resource_type parent member access_level",
    "goal": "gid resource_type name html_notes notes due_on start_on is_workspace_level liked likes "
    "num_likes team workspace followers time_period metric owner current_status_update status "
    "privacy_setting default_access_level custom_fields custom_field_settings",
    "goal_relationship": "gid resource_type resource_subtype supporting_resource contribution_weight "
    "supported_goal",
    "time_period": "gid resource_type end_on start_on period display_name parent",
    "time_tracking_entry": "gid resource_type duration_minutes entered_on attributable_to created_by "
    "categories task created_at approval_status billable_status description",
    "project_status": "gid resource_type title text html_text color author created_at created_by modified_at",
    "status_update": "gid resource_type title resource_subtype text html_text status_type author created_at "
    "created_by hearted hearts liked likes reaction_summary modified_at num_hearts num_likes parent",
    "project_brief": "gid resource_type title html_text text permalink_url project",
    "project_template": "gid resource_type name description html_description public owner team "
    "requested_dates color requested_roles",
    "task_template": "gid resource_type name project template created_by created_at",
    "user_task_list": "gid resource_type name owner workspace",
    "allocation": "gid resource_type start_date end_date effort assignee created_by parent resource_subtype",
    "access_request": "gid resource_type message approval_status requester target",
    "webhook": "gid resource_type active resource target created_at last_failure_at last_failure_content "
    "last_success_at delivery_retry_count next_attempt_after failure_deletion_timestamp filters",
    "audit_log_event": "gid resource_type created_at event_type event_category actor resource details "
    "context",
    "job": "gid resource_type resource_subtype status new_portfolio new_project new_task "
    "new_project_template new_graph_export new_resource_export",
    "organization_export": "gid resource_type created_at download_url state organization",
    "role": "gid resource_type name description is_standard_role creation_time modified_at base_role_type "
    "permissions workspace",
    "ooo_entry": "gid resource_type start_date end_date user created_by",
    "agent": "gid resource_type resource_subtype name description behavior_guidance workspace photo",
    "time_tracking_category": "gid resource_type name color is_archived",
    "timesheet_approval_status": "gid resource_type created_at user workspace start_date end_date "
    "approval_status",
    "project_portfolio_setting": "gid resource_type project portfolio is_access_control_inherited created_at",
    "rate": "gid resource_type parent resource rate currency_code created_by",
    "budget": "gid resource_type budget_type estimate actual total parent",
}
# Sandbox-only keys each type must carry for the routes.
PRIVATE: dict[str, set[str]] = {
    "workspace": {"_tier"},
    "custom_type": {"_workspace", "_projects"},
    "portfolio": {"_items"},
    "project_status": {"_parent"},
    "role": {"_archived"},
    **{
        t: {"_workspace"}
        for t in (
            "custom_field",
            "time_period",
            "time_tracking_entry",
            "project_template",
            "allocation",
            "webhook",
            "audit_log_event",
            "ooo_entry",
            "time_tracking_category",
        )
    },
}
TIMESTAMP = re.compile(r"^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# Embedded objects that carry a gid but are not records of their own (enum options, likes, goal metrics...).
NOT_REFERENCES = {"metric", "enum_options", "enum_value", "multi_enum_values", "status_options", "likes"}


# A fixed reference date keeps these checks independent of the day they run; the window it gives ends on the
# last day a whole number of weeks after 2026-06-30 (the first window's end): 2026-12-01.
REFERENCE = date(2026, 12, 3)
WINDOW_END = "2026-12-01"


@pytest.fixture(scope="module")
def demo() -> list[dict[str, Any]]:
    return load_dataset("demo", reference_date=REFERENCE)


@pytest.fixture(scope="module")
def bench() -> list[dict[str, Any]]:
    return load_dataset("bench")


def by_type(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(record["resource_type"], []).append(record)
    return out


def dangling_references(records: list[dict[str, Any]]) -> list[str]:
    """Embedded `{gid, resource_type}` objects whose target is missing or of another type."""
    index = {r["gid"]: r for r in records}
    known = {r["resource_type"] for r in records}
    problems: list[str] = []

    def walk(value: Any, where: str, top: bool) -> None:
        if isinstance(value, dict):
            if not top and value.get("resource_type") in known and "gid" in value:
                target = index.get(value["gid"])
                if target is None or target["resource_type"] != value["resource_type"]:
                    problems.append(f"{where} -> {value['gid']}")
                elif "name" in value and value["name"] != target.get("name"):
                    problems.append(f"{where} -> {value['gid']} has a stale name")
            for key, item in value.items():
                if key not in NOT_REFERENCES:
                    walk(item, f"{where}.{key}", False)
        elif isinstance(value, list):
            for item in value:
                walk(item, where, False)

    for record in records:
        walk(record, f"{record['resource_type']} {record['gid']}", True)
    return problems


def depth(task: dict[str, Any], index: dict[str, dict[str, Any]]) -> int:
    levels = 0
    while task["parent"]:
        task = index[task["parent"]["gid"]]
        levels += 1
    return levels


def test_names_listed() -> None:
    assert DATASETS == ("demo", "bench")


def test_demo_is_byte_identical_for_the_same_seed(demo: list[dict[str, Any]]) -> None:
    assert json.dumps(load_dataset("demo", seed=42, reference_date=REFERENCE)) == json.dumps(demo)


def test_demo_differs_with_another_seed(demo: list[dict[str, Any]]) -> None:
    assert json.dumps(load_dataset("demo", seed=7, reference_date=REFERENCE)) != json.dumps(demo)


def test_demo_has_the_documented_shape(demo: list[dict[str, Any]]) -> None:
    types = by_type(demo)
    workspaces = {w["name"]: w for w in types["workspace"]}
    assert workspaces["Acme Corp"]["is_organization"] and workspaces["Acme Corp"]["_tier"] == "enterprise"
    assert not workspaces["Personal Projects"]["is_organization"]
    assert workspaces["Personal Projects"]["_tier"] == "free"
    acme = workspaces["Acme Corp"]["gid"]
    assert len([t for t in types["team"] if t["organization"]["gid"] == acme]) == 3
    assert 12 <= len(types["user"]) <= 18
    acme_projects = [p for p in types["project"] if p["workspace"]["gid"] == acme]
    assert len(acme_projects) == 8 and sum(p["archived"] for p in acme_projects) == 1
    assert len(types["project"]) == 10
    tasks = types["task"]
    assert 250 <= len(tasks) <= 360
    assert 15 <= sum(len(t["projects"]) >= 2 for t in tasks) <= 30
    assert 8 <= sum(not t["projects"] and not t["parent"] for t in tasks) <= 12
    assert 2.5 <= len(types["story"]) / len(tasks) <= 3.5
    # Eight typed fields, and in each workspace a "Task ID" field (representation custom_id).
    custom_ids = [cf for cf in types["custom_field"] if cf["representation_type"] == "custom_id"]
    assert len(custom_ids) == len(types["workspace"]) == 2
    assert len(types["custom_field"]) == 8 + len(custom_ids)
    assert {cf["type"] for cf in types["custom_field"]} == {
        "text",
        "number",
        "enum",
        "multi_enum",
        "date",
        "people",
    }
    assert len(types["portfolio"]) == 2 and all(p["_items"] for p in types["portfolio"])
    assert len(types["goal"]) == 5 and types["goal_relationship"] and types["time_period"]
    assert len(types["webhook"]) == 1
    assert 45 <= len(types["audit_log_event"]) <= 55
    for rtype in FIELDS:
        assert types.get(rtype), f"demo has no {rtype}"
    sections_per_project = Counter(s["project"]["gid"] for s in types["section"])
    assert all(3 <= n <= 6 for n in sections_per_project.values())


def test_every_record_has_every_field_of_its_schema(demo: list[dict[str, Any]]) -> None:
    for record in demo:
        rtype = record["resource_type"]
        expected = set(FIELDS[rtype].split())
        if rtype == "custom_field_setting" and record["parent"]["resource_type"] != "project":
            expected.discard("project")  # the deprecated field exists only on a project's settings
        public = {k for k in record if not k.startswith("_")}
        assert public == expected, (rtype, sorted(public ^ expected))
        assert PRIVATE.get(rtype, set()) <= set(record), (rtype, record["gid"])


def test_references_point_at_existing_records(demo: list[dict[str, Any]]) -> None:
    assert dangling_references(demo) == []
    index = {r["gid"]: r for r in demo}
    for record in demo:
        for item in record.get("_items", []):
            assert item["gid"] in index
        for gid in [*record.get("_projects", []), record.get("_parent"), record.get("_workspace")]:
            assert gid is None or gid in index


def test_gids_are_unique_numeric_strings(demo: list[dict[str, Any]]) -> None:
    gids = [r["gid"] for r in demo]
    assert len(set(gids)) == len(gids)
    assert all(g.isdigit() and len(g) == 16 for g in gids)


def test_timestamps_lie_in_the_window_before_the_reference_date(demo: list[dict[str, Any]]) -> None:
    start = (date.fromisoformat(WINDOW_END) - timedelta(days=SPAN_DAYS - 1)).isoformat()
    for record in demo:
        for key in ("created_at", "modified_at", "completed_at"):
            value = record.get(key)
            if value is not None:
                assert TIMESTAMP.match(value), value
                assert f"{start}T00:00:00.000Z" <= value <= f"{WINDOW_END}T23:59:59.999Z"
        if record.get("modified_at") and record.get("created_at"):
            assert record["modified_at"] > record["created_at"]


def test_tasks_are_consistent(demo: list[dict[str, Any]]) -> None:
    types = by_type(demo)
    tasks = types["task"]
    index = {r["gid"]: r for r in demo}
    completed = [t for t in tasks if t["completed"]]
    assert all(t["completed_at"] for t in completed)
    assert 0.25 <= len(completed) / len(tasks) <= 0.45
    assert any(not t["completed"] and t["due_on"] and t["due_on"] < WINDOW_END for t in tasks)
    assert max(depth(t, index) for t in tasks) == 3
    children = Counter(t["parent"]["gid"] for t in tasks if t["parent"])
    assert all(t["num_subtasks"] == children[t["gid"]] for t in tasks)
    for task in tasks:
        assert [m["project"]["gid"] for m in task["memberships"]] == [p["gid"] for p in task["projects"]]
        for membership in task["memberships"]:
            assert index[membership["section"]["gid"]]["project"]["gid"] == membership["project"]["gid"]
        for blocker in task["dependencies"]:
            assert task["gid"] in {d["gid"] for d in index[blocker["gid"]]["dependents"]}
        for entry in task["custom_fields"]:
            assert {
                "gid",
                "resource_type",
                "name",
                "type",
                "resource_subtype",
                "enabled",
                "display_value",
            } <= set(entry)
    latest_story: dict[str, str] = {}
    for s in types["story"]:
        latest_story[s["target"]["gid"]] = max(latest_story.get(s["target"]["gid"], ""), s["created_at"])
    assert all(t["modified_at"] >= latest_story.get(t["gid"], "") for t in tasks)


def test_a_json_file_of_records_loads(tmp_path: Any, demo: list[dict[str, Any]]) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(demo[:5]))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"records": demo[:5]}))
    assert load_dataset(str(listed)) == demo[:5]
    assert load_dataset(str(wrapped)) == demo[:5]


def test_an_unknown_name_says_what_to_use() -> None:
    with pytest.raises(UnknownDatasetError, match=r"unknown dataset 'foo': use demo or bench, or a path"):
        load_dataset("foo")


@pytest.mark.parametrize("content", ["not json", '{"rows": []}', "[1, 2]"])
def test_a_bad_file_is_rejected(tmp_path: Any, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UnknownDatasetError, match=r"bad\.json") as raised:
        load_dataset(str(path))
    assert "\n" not in str(raised.value)


def test_bench_has_the_documented_size(bench: list[dict[str, Any]]) -> None:
    types = by_type(bench)
    index = {r["gid"]: r for r in bench}
    tasks = types["task"]
    assert len(tasks) >= 20_000
    assert len(types["story"]) >= 60_000
    assert max(depth(t, index) for t in tasks) == 3
    assert any(len(t["projects"]) >= 2 for t in tasks)
    assert any(not t["projects"] and not t["parent"] for t in tasks)
    assert any(p["archived"] for p in types["project"])
    fields = [cf for cf in types["custom_field"] if cf["representation_type"] != "custom_id"]
    assert len(fields) == 30
    assert {cf["type"] for cf in fields} == {"text", "number", "enum", "multi_enum", "date", "people"}
    workspaces = types["workspace"]
    assert len(workspaces) == 2
    orgs = [w for w in workspaces if w["is_organization"]]
    assert len(orgs) == 1 and any(t["organization"]["gid"] == orgs[0]["gid"] for t in types["team"])
    assert {w["_tier"] for w in workspaces} == {"enterprise", "premium"}
    for rtype in FIELDS:
        assert types.get(rtype), f"bench has no {rtype}"
    assert dangling_references(bench) == []


@pytest.mark.parametrize("profile", DATASETS)
def test_resourcing_objects_respect_tiers_and_memberships(profile: str, demo, bench) -> None:
    records = demo if profile == "demo" else bench
    index = {r["gid"]: r for r in records}
    types = by_type(records)

    def tier(record: dict[str, Any]) -> str:
        while record["resource_type"] != "workspace":
            link = record.get("_workspace") or (record.get("workspace") or record.get("parent"))["gid"]
            record = index[link]
        return record["_tier"]

    for rtype in ("budget", "rate", "agent", "time_tracking_category", "timesheet_approval_status"):
        assert all(tier(r) != "free" for r in types[rtype]), rtype
    members = {(m["user"]["gid"], m["workspace"]["gid"]) for m in types["workspace_membership"]}
    assert all((e["user"]["gid"], e["_workspace"]) in members for e in types["ooo_entry"])
    assert all(e["start_date"] <= e["end_date"] for e in types["ooo_entry"])
    for project_gid, count in Counter(b["parent"]["gid"] for b in types["budget"]).items():
        assert count == 1, project_gid
    portfolio_projects = {
        (p["gid"], item["gid"])
        for p in types["portfolio"]
        for item in p["_items"]
        if item["resource_type"] == "project"
    }
    settings = {(s["portfolio"]["gid"], s["project"]["gid"]) for s in types["project_portfolio_setting"]}
    assert settings == portfolio_projects


def _shift(value: Any, days: int) -> Any:
    """`value` with every date and timestamp string in it moved by `days`."""
    if isinstance(value, dict):
        return {k: _shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, str):  # alone, in timestamps and in titles ("Weekly update - 2025-10-29")
        value = DAY.sub(lambda m: (date.fromisoformat(m[0]) + timedelta(days=days)).isoformat(), value)
        return MONTH_DAY.sub(lambda m: _shift_month_day(m[0], days), value)
    return value


def _shift_month_day(text: str, days: int) -> str:
    """ "Jun 22" (a due date in a story's text) moved by `days` (2026: any year but a leap one would do)."""
    moved = datetime.strptime(f"2026 {text}", "%Y %b %d") + timedelta(days=days)
    return f"{moved:%b} {moved.day}"


MONTH_DAY = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}\b")


DAY = re.compile(r"20\d\d-\d\d-\d\d")


def test_another_reference_date_moves_every_date_by_whole_weeks(demo: list[dict[str, Any]]) -> None:
    # Five weeks earlier, any day of that week: the same records, every date five weeks back, so weekdays (and
    # the weekly timesheets built on them) stay as they are. Time periods are calendar years, halves and
    # quarters, and goals follow their period: they are not moved.
    earlier = load_dataset("demo", reference_date=REFERENCE - timedelta(days=35 - 2))
    assert len(earlier) == len(demo)
    for old, new in zip(demo, earlier, strict=True):
        if old["resource_type"] in ("time_period", "goal"):
            assert new["gid"] == old["gid"]
            continue
        assert new == _shift(old, -35), old["gid"]


def test_the_default_reference_date_is_today() -> None:
    today = datetime.now(timezone.utc).date()
    tasks = [r for r in load_dataset("demo") if r["resource_type"] == "task"]
    latest = max(date.fromisoformat(t["created_at"][:10]) for t in tasks)
    assert today - timedelta(days=21) <= latest <= today
    assert any(not t["completed"] and t["due_on"] and t["due_on"] > today.isoformat() for t in tasks)
