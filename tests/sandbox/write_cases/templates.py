"""Write cases for project and task templates: instantiate, save a project as a template, delete."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _project_template(store: Store) -> str:
    return store.all("project_template")[0]["gid"]


def _task_template(store: Store) -> str:
    return store.all("task_template")[0]["gid"]


def _project(store: Store) -> str:
    return store.all("project")[0]["gid"]


def _user(store: Store) -> str:
    return store.all("user")[1]["gid"]


CASES = [
    WriteCase(
        "POST /project_templates/{project_template_gid}/instantiateProject",
        lambda s: WriteRequest(
            f"/project_templates/{_project_template(s)}/instantiateProject",
            {
                "data": {
                    "name": "New launch",
                    "privacy_setting": "private",
                    "is_strict": True,
                    "requested_dates": [{"gid": "1", "value": "2030-01-07T00:00:00.000Z"}],
                    "requested_roles": [],
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /project_templates/{project_template_gid}/instantiateProject",
        lambda s: WriteRequest(
            f"/project_templates/{_project_template(s)}/instantiateProject", {"data": {"public": True}}
        ),
        400,
        "missing name",
    ),
    WriteCase(
        "POST /task_templates/{task_template_gid}/instantiateTask",
        lambda s: WriteRequest(
            f"/task_templates/{_task_template(s)}/instantiateTask", {"data": {"name": "From the template"}}
        ),
        201,
    ),
    WriteCase(
        "POST /task_templates/{task_template_gid}/instantiateTask",
        lambda s: WriteRequest("/task_templates/1/instantiateTask", {"data": {}}),
        404,
        "unknown template",
    ),
    WriteCase(
        "POST /projects/{project_gid}/saveAsTemplate",
        lambda s: WriteRequest(
            f"/projects/{_project(s)}/saveAsTemplate", {"data": {"name": "Launch template", "public": False}}
        ),
        201,
    ),
    WriteCase(
        "POST /projects/{project_gid}/saveAsTemplate",
        lambda s: WriteRequest(f"/projects/{_project(s)}/saveAsTemplate", {"data": {"name": "No public"}}),
        400,
        "missing public",
    ),
    WriteCase(
        "DELETE /project_templates/{project_template_gid}",
        lambda s: WriteRequest(f"/project_templates/{_project_template(s)}"),
    ),
    WriteCase(
        "DELETE /project_templates/{project_template_gid}",
        lambda s: WriteRequest("/project_templates/1"),
        404,
        "unknown",
    ),
    WriteCase(
        "DELETE /task_templates/{task_template_gid}",
        lambda s: WriteRequest(f"/task_templates/{_task_template(s)}"),
    ),
]
