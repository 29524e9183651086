"""The official `asana` Python client (5.x) drives the sandbox's main write flows: create a task, update it,
comment, move it to a section, tag it, delete it; and its urllib3 retry honours our 429 `Retry-After`."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from asana_sandbox.server import SandboxServer
from tests.sandbox_client import SandboxClient

from .helpers import ACME, workspace

asana = pytest.importorskip("asana")
ApiException = asana.rest.ApiException


@pytest.fixture(scope="module")
def client() -> Iterator[SandboxClient]:
    server = SandboxServer("demo", requests_per_minute=1_000_000).start()
    yield SandboxClient(server)
    server.stop()


@pytest.fixture(scope="module")
def api(client: SandboxClient) -> asana.ApiClient:
    configuration = asana.Configuration()
    configuration.host = client.base_url
    configuration.access_token = client.token
    return asana.ApiClient(configuration)


def test_the_main_write_flows_through_the_official_client(client: SandboxClient, api) -> None:
    tasks, stories, tags = asana.TasksApi(api), asana.StoriesApi(api), asana.TagsApi(api)
    project = next(
        p
        for p in client.store.related("project", "workspace", workspace(client.store, ACME)["gid"])
        if len(client.store.related("section", "project", p["gid"])) > 1
    )
    section = client.store.related("section", "project", project["gid"])[1]

    task = tasks.create_task(
        {"data": {"name": "Through the SDK", "projects": [project["gid"]], "assignee": "me"}},
        {"opt_fields": "name,assignee,memberships.section,modified_at"},
    )
    assert task["name"] == "Through the SDK" and task["assignee"]["gid"] == client.store.all("user")[0]["gid"]

    updated = tasks.update_task({"data": {"notes": "From the client", "completed": True}}, task["gid"], {})
    assert updated["notes"] == "From the client" and updated["completed"] is True

    story = stories.create_story_for_task({"data": {"text": "Done via the SDK"}}, task["gid"], {})
    assert story["resource_subtype"] == "comment_added" and story["text"] == "Done via the SDK"

    moved = tasks.add_project_for_task(
        {"data": {"project": project["gid"], "section": section["gid"]}}, task["gid"]
    )
    assert moved == {}
    in_section = [t["gid"] for t in tasks.get_tasks_for_section(section["gid"], {"limit": 100})]
    assert task["gid"] in in_section

    tag = tags.create_tag({"data": {"name": "sdk", "workspace": project["workspace"]["gid"]}}, {})
    assert tasks.add_tag_for_task({"data": {"tag": tag["gid"]}}, task["gid"]) == {}
    assert [t["gid"] for t in tags.get_tags_for_task(task["gid"], {})] == [tag["gid"]]

    assert tasks.delete_task(task["gid"]) == {}
    with pytest.raises(ApiException) as refused:
        tasks.get_task(task["gid"], {})
    assert refused.value.status == 404


def test_an_error_reaches_the_client_with_asanas_body(api) -> None:
    with pytest.raises(ApiException) as refused:
        asana.TasksApi(api).create_task({"data": {"name": "Nowhere"}}, {})
    assert refused.value.status == 400
    assert b"You should specify one of workspace, parent, projects" in refused.value.body


def test_the_clients_retry_waits_out_a_429_by_its_retry_after(client: SandboxClient, api) -> None:
    task = next(t for t in client.store.all("task") if t.get("projects"))
    client.control("faults", {"rate_limit_burst": 1, "rate_limit_retry_after": 1})
    started = time.monotonic()
    shown = asana.TasksApi(api).get_task(task["gid"], {"opt_fields": "name"})
    assert shown["gid"] == task["gid"]
    assert time.monotonic() - started >= 0.9  # it slept for the Retry-After before asking again
