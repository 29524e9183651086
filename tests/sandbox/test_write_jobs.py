"""Duplicating tasks, projects and portfolios: the job, the copy, the `include` options, events, errors."""

from __future__ import annotations

from datetime import date

import pytest

from asana_sandbox.store import Record
from tests.sandbox_client import SandboxClient

from .helpers import error_message, gids

TASK_INCLUDE = "notes,assignee,subtasks,attachments,tags,followers,projects,dates,dependencies,parent"


def _state(client: SandboxClient) -> tuple[dict[str, int], int]:
    """What a refused request must leave as it was: the objects and the event log."""
    return client.store.counts(), len(client.store.events)


def _rich_task(client: SandboxClient) -> Record:
    """A project task with subtasks, a dependency, an assignee, a tag and an attachment."""
    task = next(
        t
        for t in client.store.all("task")
        if t.get("projects") and t["num_subtasks"] and t["dependencies"] and t["assignee"] and t["due_on"]
    )
    tag = client.store.all("tag")[0]
    assert client.post(f"/tasks/{task['gid']}/addTag", {"tag": tag["gid"]}).status_code == 200
    upload = client.session.post(
        client.base_url + "/attachments",
        files={"file": ("a.txt", b"abc", "text/plain"), "parent": (None, task["gid"])},
        timeout=30,
    )
    assert upload.status_code == 200, upload.text
    return task


def _duplicate(client: SandboxClient, task: Record, **data: object) -> Record:
    response = client.post(f"/tasks/{task['gid']}/duplicate", data)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _full(client: SandboxClient, kind: str, gid: str) -> Record:
    return client.get(f"/{kind}s/{gid}").json()["data"]


def test_duplicate_answers_201_with_a_finished_job_its_creator_can_read(sandbox: SandboxClient) -> None:
    task = _rich_task(sandbox)
    response = sandbox.post(f"/tasks/{task['gid']}/duplicate", {"name": "Copy"})
    assert response.status_code == 201
    job = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/jobs/{job['gid']}")
    assert (job["resource_type"], job["resource_subtype"], job["status"]) == (
        "job",
        "duplicate_task",
        "succeeded",
    )
    assert job["new_task"]["name"] == "Copy"
    assert sandbox.get(f"/jobs/{job['gid']}").json()["data"] == job
    assert _full(sandbox, "task", job["new_task"]["gid"])["name"] == "Copy"
    # Only the job's creator can read it (asana-api.md §2, Jobs).
    sandbox.store.get(job["gid"])["_creator"] = sandbox.store.all("user")[1]["gid"]
    assert sandbox.get(f"/jobs/{job['gid']}").status_code == 404


def test_without_include_the_copy_has_only_its_name(sandbox: SandboxClient) -> None:
    task = _rich_task(sandbox)
    copy = _full(sandbox, "task", _duplicate(sandbox, task, name="Bare")["new_task"]["gid"])
    me = sandbox.get("/users/me").json()["data"]["gid"]
    assert (copy["notes"], copy["assignee"], copy["due_on"], copy["parent"]) == ("", None, None, None)
    assert (copy["projects"], copy["tags"], copy["memberships"]) == ([], [], [])
    assert [f["gid"] for f in copy["followers"]] == [me]
    assert sandbox.get(f"/tasks/{copy['gid']}/subtasks").json()["data"] == []
    assert sandbox.get("/attachments", parent=copy["gid"]).json()["data"] == []
    assert sandbox.get(f"/tasks/{copy['gid']}/dependencies").json()["data"] == []


def test_every_include_option_is_copied(sandbox: SandboxClient) -> None:
    task = _rich_task(sandbox)
    source = _full(sandbox, "task", task["gid"])
    copy = _full(
        sandbox, "task", _duplicate(sandbox, task, name="Full", include=TASK_INCLUDE)["new_task"]["gid"]
    )
    for key in ("notes", "html_notes", "due_on", "start_on", "resource_subtype", "tags", "projects"):
        assert copy.get(key) == source.get(key), key
    assert copy["assignee"]["gid"] == source["assignee"]["gid"]
    assert {f["gid"] for f in copy["followers"]} >= {f["gid"] for f in source["followers"]}
    assert [m["section"]["gid"] for m in copy["memberships"]] == [
        m["section"]["gid"] for m in source["memberships"]
    ]
    subtasks = sandbox.get(f"/tasks/{copy['gid']}/subtasks").json()["data"]
    assert [s["name"] for s in subtasks] == [
        s["name"] for s in sandbox.get(f"/tasks/{task['gid']}/subtasks").json()["data"]
    ]
    counted = sandbox.get(f"/tasks/{copy['gid']}", opt_fields="num_subtasks").json()["data"]["num_subtasks"]
    assert counted == len(subtasks)
    files = sandbox.get("/attachments", parent=copy["gid"], opt_fields="name,download_url").json()["data"]
    assert [f["name"] for f in files] == ["a.txt"]
    assert files[0]["download_url"].endswith(f"/_sandbox/files/{files[0]['gid']}")
    blockers = gids(sandbox.get(f"/tasks/{copy['gid']}/dependencies").json())
    assert blockers == [d["gid"] for d in task["dependencies"]]
    assert copy["gid"] in gids(sandbox.get(f"/tasks/{blockers[0]}/dependents").json())
    project = source["projects"][0]["gid"]
    assert copy["gid"] in gids(sandbox.get(f"/projects/{project}/tasks", limit=100).json())


def test_parent_makes_the_copy_a_sibling_subtask(sandbox: SandboxClient) -> None:
    child = next(t for t in sandbox.store.all("task") if t.get("parent"))
    parent = child["parent"]["gid"]
    copy = _duplicate(sandbox, child, include="parent")["new_task"]
    assert copy["name"] == child["name"]  # no name: the copy keeps the task's
    assert _full(sandbox, "task", copy["gid"])["parent"]["gid"] == parent
    assert copy["gid"] in gids(sandbox.get(f"/tasks/{parent}/subtasks").json())


def test_duplicates_are_reported_added_on_the_event_streams(sandbox: SandboxClient) -> None:
    task = _rich_task(sandbox)
    project = task["projects"][0]["gid"]
    sync = sandbox.get("/events", resource=project).json()["sync"]
    copy = _duplicate(sandbox, task, include="projects,subtasks")["new_task"]
    events = sandbox.get("/events", resource=project, sync=sync).json()["data"]
    added = [(e["resource"]["gid"], e["parent"]["gid"]) for e in events if e["action"] == "added"]
    assert (copy["gid"], project) in added
    assert any(parent == copy["gid"] for _, parent in added)  # its subtasks, added to it


def test_project_duplicate_copies_sections_tasks_and_the_chosen_elements(sandbox: SandboxClient) -> None:
    project = max(
        sandbox.store.all("project"), key=lambda p: len(sandbox.store.related("task", "projects", p["gid"]))
    )
    include = "members,notes,task_notes,task_assignee,task_subtasks,task_dates,task_templates"
    response = sandbox.post(f"/projects/{project['gid']}/duplicate", {"name": "Again", "include": include})
    assert response.status_code == 201, response.text
    job = response.json()["data"]
    assert (job["resource_subtype"], job["status"]) == ("duplicate_project", "succeeded")
    copy = _full(sandbox, "project", job["new_project"]["gid"])
    assert (copy["name"], copy["notes"], copy["color"]) == ("Again", project["notes"], project["color"])
    assert {m["gid"] for m in copy["members"]} >= {m["gid"] for m in project["members"]}
    assert copy["owner"]["gid"] == sandbox.get("/users/me").json()["data"]["gid"]
    sections = [s["name"] for s in sandbox.get(f"/projects/{project['gid']}/sections").json()["data"]]
    assert [s["name"] for s in sandbox.get(f"/projects/{copy['gid']}/sections").json()["data"]] == sections
    fields = "name,notes,due_on,assignee.gid,memberships.project,memberships.section.name"
    source_tasks = sandbox.get(f"/projects/{project['gid']}/tasks", opt_fields=fields, limit=100).json()[
        "data"
    ]
    copied_tasks = sandbox.get(f"/projects/{copy['gid']}/tasks", opt_fields=fields, limit=100).json()["data"]
    assert len(copied_tasks) == len(source_tasks)
    for source, copied in zip(source_tasks, copied_tasks, strict=True):
        for key in ("name", "notes", "due_on", "assignee"):
            assert copied[key] == source[key], key
        # In the copy's section of the same name; its other projects stay behind (no task_projects).
        home = next(m for m in source["memberships"] if m["project"]["gid"] == project["gid"])
        assert [m["section"]["name"] for m in copied["memberships"]] == [home["section"]["name"]]
    templates = sandbox.get("/task_templates", project=project["gid"]).json()["data"]
    copied = sandbox.get("/task_templates", project=copy["gid"]).json()["data"]
    assert [t["name"] for t in copied] == [t["name"] for t in templates]
    team = project["team"]["gid"]
    assert copy["gid"] in gids(sandbox.get(f"/teams/{team}/projects", limit=100).json())
    memberships = sandbox.get(f"/projects/{copy['gid']}/project_memberships").json()["data"]
    assert len(memberships) == len(copy["members"])


def test_project_duplicate_without_options_keeps_tasks_but_not_their_details(sandbox: SandboxClient) -> None:
    project = next(
        p for p in sandbox.store.all("project") if sandbox.store.related("task", "projects", p["gid"])
    )
    job = sandbox.post(f"/projects/{project['gid']}/duplicate", {"name": "Plain"}).json()["data"]
    copy = _full(sandbox, "project", job["new_project"]["gid"])
    assert copy["notes"] == "" and [m["gid"] for m in copy["members"]] == [copy["owner"]["gid"]]
    tasks = sandbox.get(
        f"/projects/{copy['gid']}/tasks", opt_fields="notes,assignee,due_on", limit=100
    ).json()
    assert tasks["data"] and all(
        (t["notes"], t["assignee"], t["due_on"]) == ("", None, None) for t in tasks["data"]
    )


def test_schedule_dates_shift_the_copied_dates(sandbox: SandboxClient) -> None:
    project = next(
        p
        for p in sandbox.store.all("project")
        if sum(
            1
            for t in sandbox.store.related("task", "projects", p["gid"])
            if t.get("due_on") and not t["parent"]
        )
        > 2
    )
    data = {
        "name": "Shifted",
        "include": "task_dates",
        "schedule_dates": {"should_skip_weekends": False, "due_on": "2031-01-15"},
    }
    job = sandbox.post(f"/projects/{project['gid']}/duplicate", data).json()["data"]
    copied = sandbox.get(
        f"/projects/{job['new_project']['gid']}/tasks", opt_fields="due_on", limit=100
    ).json()
    source = sandbox.get(f"/projects/{project['gid']}/tasks", opt_fields="due_on", limit=100).json()
    assert max(t["due_on"] for t in copied["data"] if t["due_on"]) == "2031-01-15"
    gaps = {
        (date.fromisoformat(c["due_on"]) - date.fromisoformat(s["due_on"])).days
        for c, s in zip(copied["data"], source["data"], strict=True)
        if s["due_on"]
    }
    assert len(gaps) == 1  # every date moved by the same amount


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"include": "notes"}, "name: Missing input"),
        ({"name": "x", "include": "task_colors"}, "include: Not one of the allowed values"),
        (
            {"name": "x", "schedule_dates": {"should_skip_weekends": True, "due_on": "2030-01-01"}},
            "schedule_dates:",
        ),
        (
            {"name": "x", "include": "task_dates", "schedule_dates": {"should_skip_weekends": True}},
            "schedule_dates: Specify exactly one of start_on or due_on",
        ),
        (
            {"name": "x", "include": "task_dates", "schedule_dates": {"due_on": "2030-01-01"}},
            "schedule_dates.should_skip_weekends: Missing input",
        ),
    ],
)
def test_bad_project_duplicates_are_refused_and_change_nothing(
    demo: SandboxClient, data: dict, message: str
) -> None:
    project = demo.store.all("project")[0]
    before = _state(demo)
    response = demo.post(f"/projects/{project['gid']}/duplicate", data)
    assert response.status_code == 400
    assert error_message(response.json()).startswith(message)
    assert _state(demo) == before


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        ("/tasks/TASK/duplicate", {"include": "notes,colour"}, 400, "include: Not one of the allowed values"),
        ("/tasks/TASK/duplicate", {"include": 7}, 400, "include: Not a string"),
        ("/tasks/TASK/duplicate", {"name": 7}, 400, "name: Not a string"),
        ("/tasks/1/duplicate", {"name": "x"}, 404, "task_gid:"),
        ("/projects/1/duplicate", {"name": "x"}, 404, "project_gid:"),
        ("/portfolios/PORTFOLIO/duplicate", {"include": "members"}, 400, "name: Missing input"),
        ("/portfolios/1/duplicate", {"name": "x"}, 404, "portfolio_gid:"),
    ],
)
def test_bad_duplicates_are_refused_and_change_nothing(
    demo: SandboxClient, path: str, data: dict, status: int, message: str
) -> None:
    names = {
        "TASK": demo.store.all("task")[0]["gid"],
        "PORTFOLIO": demo.store.all("portfolio")[0]["gid"],
    }
    for placeholder, gid in names.items():
        path = path.replace(placeholder, gid)
    before = _state(demo)
    response = demo.post(path, data)
    assert response.status_code == status
    assert error_message(response.json()).startswith(message)
    assert _state(demo) == before


def test_portfolio_duplicate_holds_the_same_children_and_is_listed(sandbox: SandboxClient) -> None:
    portfolio = next(
        p
        for p in sandbox.store.all("portfolio")
        if any(i["resource_type"] == "portfolio" for i in p["_items"])
    )
    include = "members,permissions,child_projects,child_portfolios"
    job = sandbox.post(
        f"/portfolios/{portfolio['gid']}/duplicate", {"name": "Twin", "include": include}
    ).json()["data"]
    assert (job["resource_subtype"], job["status"]) == ("duplicate_portfolio", "succeeded")
    copy = _full(sandbox, "portfolio", job["new_portfolio"]["gid"])
    assert (copy["name"], copy["privacy_setting"]) == ("Twin", portfolio["privacy_setting"])
    assert gids(sandbox.get(f"/portfolios/{copy['gid']}/items").json()) == [
        i["gid"] for i in portfolio["_items"]
    ]
    assert {m["gid"] for m in copy["members"]} >= {m["gid"] for m in portfolio["members"]}
    settings = sandbox.get(
        f"/portfolios/{copy['gid']}/custom_field_settings", opt_fields="custom_field"
    ).json()
    assert [s["custom_field"]["gid"] for s in settings["data"]] == [
        s["custom_field"]["gid"]
        for s in sandbox.get(
            f"/portfolios/{portfolio['gid']}/custom_field_settings", opt_fields="custom_field"
        ).json()["data"]
    ]
    workspace = portfolio["workspace"]["gid"]
    assert copy["gid"] in gids(sandbox.get("/portfolios", workspace=workspace, owner="me").json())
    bare = sandbox.post(f"/portfolios/{portfolio['gid']}/duplicate", {"name": "Bare"}).json()["data"]
    assert sandbox.get(f"/portfolios/{bare['new_portfolio']['gid']}/items").json()["data"] == []


def test_a_sixth_job_while_five_run_is_a_429(sandbox: SandboxClient) -> None:
    """Duplicates finish inside their request, so only running jobs (exports) fill the user's 5 slots."""
    task = sandbox.store.all("task")[0]
    statuses = [
        sandbox.post(f"/tasks/{task['gid']}/duplicate", {"name": f"c{k}"}).status_code for k in range(6)
    ]
    assert statuses == [201] * 6
    me = sandbox.get("/users/me").json()["data"]["gid"]
    for k in range(5):  # five exports of this user still in progress
        sandbox.store.insert(
            {"gid": f"99000{k}", "resource_type": "job", "status": "in_progress", "_creator": me}
        )
    before = _state(sandbox)
    response = sandbox.post(f"/tasks/{task['gid']}/duplicate", {"name": "sixth"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert _state(sandbox) == before
    sandbox.store.update("990000", {"status": "succeeded"})
    assert sandbox.post(f"/tasks/{task['gid']}/duplicate", {"name": "sixth"}).status_code == 201
