"""Attachments through the write API: multipart uploads, external links, the download, delete; errors."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from asana_sandbox.models import attachments
from asana_sandbox.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from tests.sandbox_client import SandboxClient

from .helpers import error_message


def _state(client: SandboxClient) -> tuple[dict[str, int], int]:
    """What a refused request must leave as it was: the objects and the event log."""
    return client.store.counts(), len(client.store.events)


def _task(client: SandboxClient) -> dict:
    return next(t for t in client.store.all("task") if t.get("projects"))


def _multipart(client: SandboxClient, parts: dict[str, Any], token: str | None = None) -> requests.Response:
    """`POST /attachments` as a multipart form: a file part and plain field parts."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return client.session.post(client.base_url + "/attachments", files=parts, headers=headers, timeout=30)


def _upload(
    client: SandboxClient, parent: str, content: bytes = b"hello", name: str = "notes.txt", **form: str
) -> requests.Response:
    fields = {k: (None, v) for k, v in {"parent": parent, **form}.items()}
    return _multipart(client, {"file": (name, content, "text/plain"), **fields})


def _link(client: SandboxClient, token: str | None = None, **form: str) -> requests.Response:
    """An external attachment: its fields as multipart parts (the spec's only request encoding)."""
    return _multipart(client, {k: (None, v) for k, v in form.items()} or {"x": (None, "")}, token)


def test_upload_answers_200_with_the_file_served_by_the_sandbox(sandbox: SandboxClient) -> None:
    task = _task(sandbox)
    response = _upload(sandbox, task["gid"], b"first line\n", "r%C3%A9sum%C3%A9.txt")
    assert response.status_code == 200  # the spec's only success status for this operation
    attachment = response.json()["data"]
    assert attachment["name"] == "résumé.txt"  # the spec asks for URL-encoded non-ASCII file names
    assert (attachment["resource_subtype"], attachment["host"], attachment["size"]) == ("asana", "asana", 11)
    assert attachment["parent"] == {
        "gid": task["gid"],
        "resource_type": "task",
        "name": task["name"],
        "resource_subtype": task["resource_subtype"],
    }
    assert "connected_to_app" not in attachment  # only external (and gdrive) attachments have it
    download = requests.get(attachment["download_url"], timeout=30)  # no token, like a signed S3 link
    assert (download.status_code, download.content) == (200, b"first line\n")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    view = requests.get(attachment["view_url"], timeout=30)
    assert view.headers["Content-Disposition"].startswith("inline;")
    assert attachment["permanent_url"].startswith(sandbox.root_url)
    listed = sandbox.get("/attachments", parent=task["gid"]).json()["data"]
    assert attachment["gid"] in {a["gid"] for a in listed}
    assert sandbox.get(f"/attachments/{attachment['gid']}").json()["data"] == attachment


def test_upload_to_a_task_writes_a_story_and_moves_its_modified_at(sandbox: SandboxClient) -> None:
    task = _task(sandbox)
    before = task["modified_at"]
    workspace = task["workspace"]["gid"]
    sync = sandbox.get(f"/workspaces/{workspace}/events").json()["sync"]
    attachment = _upload(sandbox, task["gid"], name="plan.txt").json()["data"]
    stories = sandbox.get(f"/tasks/{task['gid']}/stories", opt_fields="resource_subtype,text,type").json()
    assert stories["data"][-1] | {"gid": None} == {
        "gid": None,
        "resource_subtype": "attachment_added",
        "text": "attached plan.txt",
        "type": "system",
    }
    assert (
        sandbox.get(f"/tasks/{task['gid']}", opt_fields="modified_at").json()["data"]["modified_at"] > before
    )
    events = sandbox.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    added = [(e["resource"]["resource_type"], e["parent"]["gid"]) for e in events if e["action"] == "added"]
    assert ("attachment", task["gid"]) in added and ("story", task["gid"]) in added
    assert any(e["resource"]["gid"] == attachment["gid"] for e in events)


def test_projects_and_project_briefs_take_files_without_a_story(sandbox: SandboxClient) -> None:
    brief = sandbox.store.all("project_brief")[0]
    project = sandbox.store.all("project")[0]
    for parent in (project, brief):
        response = _upload(sandbox, parent["gid"])
        assert response.status_code == 200, response.text
        assert response.json()["data"]["parent"]["gid"] == parent["gid"]
        listed = sandbox.get("/attachments", parent=parent["gid"]).json()["data"]
        assert response.json()["data"]["gid"] in {a["gid"] for a in listed}
    assert project["modified_at"] == sandbox.store.get(project["gid"])["modified_at"]


def test_external_link_is_hosted_externally(sandbox: SandboxClient) -> None:
    task = _task(sandbox)
    response = _link(
        sandbox, parent=task["gid"], resource_subtype="external", name="Spec", url="https://example.com/s"
    )
    assert response.status_code == 200, response.text
    attachment = response.json()["data"]
    assert (attachment["resource_subtype"], attachment["host"], attachment["name"]) == (
        "external",
        "external",
        "Spec",
    )
    assert attachment["view_url"] == "https://example.com/s"
    assert attachment["connected_to_app"] is False
    assert "size" not in attachment  # only uploads (`asana`) have a size


def test_connect_to_app_needs_an_oauth_token(sandbox: SandboxClient) -> None:
    task = _task(sandbox)
    form = {
        "parent": task["gid"],
        "resource_subtype": "external",
        "name": "Ticket",
        "url": "https://example.com/t/1",
        "connect_to_app": "true",
    }
    refused = _link(sandbox, **form)
    assert refused.status_code == 400
    assert error_message(refused.json()).startswith("connect_to_app:")
    token = requests.post(
        f"{sandbox.root_url}/-/oauth_token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": DEFAULT_REFRESH_TOKEN,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
        timeout=30,
    ).json()["access_token"]
    accepted = _link(sandbox, token, **form)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["data"]["connected_to_app"] is True


def test_opt_fields_may_come_as_a_form_field(sandbox: SandboxClient) -> None:
    response = _upload(sandbox, _task(sandbox)["gid"], opt_fields="name,size")
    assert set(response.json()["data"]) == {"gid", "name", "size"}


def test_delete_answers_empty_data_then_404_and_moves_the_task(sandbox: SandboxClient) -> None:
    task = _task(sandbox)
    attachment = _upload(sandbox, task["gid"]).json()["data"]
    workspace = task["workspace"]["gid"]
    touched = sandbox.store.get(task["gid"])["modified_at"]
    sync = sandbox.get(f"/workspaces/{workspace}/events").json()["sync"]
    response = sandbox.delete(f"/attachments/{attachment['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert sandbox.get(f"/attachments/{attachment['gid']}").status_code == 404
    assert attachment["gid"] not in {
        a["gid"] for a in sandbox.get("/attachments", parent=task["gid"]).json()["data"]
    }
    assert requests.get(attachment["download_url"], timeout=30).status_code == 404
    # "attachment is trashed on a task" moves the task's modified_at (OAS TaskBase.modified_at).
    assert sandbox.store.get(task["gid"])["modified_at"] >= touched
    events = sandbox.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    assert [e["action"] for e in events if e["resource"]["gid"] == attachment["gid"]] == ["deleted"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "parent: Missing input"),
        ({"parent": "abc"}, "parent: Not a Long: abc"),
        ({"parent": "12345"}, "parent: Not a recognized ID: 12345"),
        ({"parent": "TAG"}, "parent: Not a recognized ID"),
        (
            {"parent": "TASK", "resource_subtype": "dropbox"},
            "resource_subtype: Not one of the allowed values",
        ),
        ({"parent": "TASK", "resource_subtype": "external", "url": "https://x.io"}, "name: Missing input"),
        ({"parent": "TASK", "resource_subtype": "external", "name": "n"}, "url: Missing input"),
        (
            {"parent": "TASK", "resource_subtype": "external", "name": "n", "url": "ftp:x"},
            "url: Not a valid URL",
        ),
        ({"parent": "TASK"}, "file: Missing input"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(demo: SandboxClient, form: dict, message: str) -> None:
    names = {"TASK": _task(demo)["gid"], "TAG": demo.store.all("tag")[0]["gid"]}
    form = {k: names.get(v, v) for k, v in form.items()}
    before = _state(demo)
    response = _link(demo, **form)
    assert response.status_code == 400
    assert error_message(response.json()).startswith(message)
    assert _state(demo) == before


def test_a_json_body_is_refused_as_uploads_cannot_be_batched(demo: SandboxClient) -> None:
    before = _state(demo)
    response = demo.post("/attachments", {"parent": _task(demo)["gid"], "url": "https://x.io"})
    assert response.status_code == 400
    assert "multipart/form-data" in error_message(response.json())
    assert _state(demo) == before


def test_an_upload_inside_a_batch_is_refused(demo: SandboxClient) -> None:
    """asana-api.md 3.9: attachment uploads are not allowed through /batch (a 400 for that action)."""
    data = {"parent": _task(demo)["gid"], "resource_subtype": "external", "name": "n", "url": "https://x.io"}
    before = _state(demo)
    response = demo.post(
        "/batch", {"actions": [{"relative_path": "/attachments", "method": "post", "data": data}]}
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["status_code"] == 400
    assert _state(demo) == before


def test_a_file_over_the_upload_limit_is_a_400(
    sandbox: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments, "MAX_UPLOAD_BYTES", 1000)  # Asana's 100 MB, lowered for the test
    task = _task(sandbox)
    before = sandbox.store.counts()
    assert _upload(sandbox, task["gid"], b"x" * 1000).status_code == 200
    response = _upload(sandbox, task["gid"], b"x" * 1001)
    assert response.status_code == 400
    assert error_message(response.json()).startswith("file: The file is larger than the upload limit")
    assert sandbox.store.counts()["attachment"] == before["attachment"] + 1
    # A body far over the limit is refused before it is read.
    big = _upload(sandbox, task["gid"], b"x" * 200_000)
    assert big.status_code == 400
