"""Errors in Asana's shape: missing inputs, 401, 404 (unknown routes, objects, deleted ones), 500 phrases,
and malformed requests answered with a 400, never a 500."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable

import pytest
import requests

from asana_sandbox.store import Store

from .helpers import busiest_project, error_message, workspace

Query = dict[str, str]


def _first(store: Store, kind: str) -> str:
    return store.all(kind)[0]["gid"]


# route -> (path, a complete query); the path and query are built from the demo store.
VALID: dict[str, Callable[[Store], tuple[str, Query]]] = {
    "favorites": lambda s: (
        "/users/me/favorites",
        {"resource_type": "project", "workspace": workspace(s)["gid"]},
    ),
    "user teams": lambda s: ("/users/me/teams", {"organization": workspace(s)["gid"]}),
    "user team memberships": lambda s: ("/users/me/team_memberships", {"workspace": workspace(s)["gid"]}),
    "user task list": lambda s: ("/users/me/user_task_list", {"workspace": workspace(s)["gid"]}),
    "typeahead": lambda s: (f"/workspaces/{workspace(s)['gid']}/typeahead", {"resource_type": "task"}),
    "status updates": lambda s: ("/status_updates", {"parent": busiest_project(s)["gid"]}),
    "custom types": lambda s: ("/custom_types", {"project": busiest_project(s)["gid"]}),
    "attachments": lambda s: ("/attachments", {"parent": _first(s, "task")}),
    "goal relationships": lambda s: ("/goal_relationships", {"supported_goal": _first(s, "goal")}),
    "time periods": lambda s: ("/time_periods", {"workspace": workspace(s)["gid"]}),
    "portfolios": lambda s: ("/portfolios", {"workspace": workspace(s)["gid"]}),
    "webhooks": lambda s: ("/webhooks", {"workspace": workspace(s)["gid"]}),
    "access requests": lambda s: ("/access_requests", {"target": busiest_project(s)["gid"]}),
    "events": lambda s: ("/events", {"resource": busiest_project(s)["gid"]}),
    "tasks": lambda s: ("/tasks", {"project": busiest_project(s)["gid"]}),
    "tasks of assignee": lambda s: ("/tasks", {"assignee": "me", "workspace": workspace(s)["gid"]}),
    "projects": lambda s: ("/projects", {"workspace": workspace(s)["gid"]}),
    "memberships": lambda s: ("/memberships", {"parent": busiest_project(s)["gid"]}),
    "team memberships": lambda s: ("/team_memberships", {"team": _first(s, "team")}),
    "task templates": lambda s: ("/task_templates", {"project": busiest_project(s)["gid"]}),
    "project templates": lambda s: ("/project_templates", {"workspace": workspace(s)["gid"]}),
    "goals": lambda s: ("/goals", {"workspace": workspace(s)["gid"]}),
    "portfolio memberships": lambda s: ("/portfolio_memberships", {"portfolio": _first(s, "portfolio")}),
    "time tracking entries": lambda s: ("/time_tracking_entries", {"workspace": workspace(s)["gid"]}),
    "allocations": lambda s: ("/allocations", {"workspace": workspace(s)["gid"]}),
}

# (route, query parameter left out, the parameter the message names). The first block is what the spec
# marks required; the second, lists Asana refuses without a filter although the spec marks none required
# ("workspace: Missing input" for GET /tasks without filters is a real capture, asana-api.md §3.3).
MISSING = [
    ("favorites", "resource_type", "resource_type"),
    ("favorites", "workspace", "workspace"),
    ("user teams", "organization", "organization"),
    ("user team memberships", "workspace", "workspace"),
    ("user task list", "workspace", "workspace"),
    ("typeahead", "resource_type", "resource_type"),
    ("status updates", "parent", "parent"),
    ("custom types", "project", "project"),
    ("attachments", "parent", "parent"),
    ("goal relationships", "supported_goal", "supported_goal"),
    ("time periods", "workspace", "workspace"),
    ("portfolios", "workspace", "workspace"),
    ("webhooks", "workspace", "workspace"),
    ("access requests", "target", "target"),
    ("events", "resource", "resource"),
    ("tasks", "project", "workspace"),
    ("tasks of assignee", "workspace", "workspace"),
    ("tasks of assignee", "assignee", "assignee"),
    ("projects", "workspace", "workspace"),
    ("memberships", "parent", "parent"),
    ("team memberships", "team", "team"),
    ("task templates", "project", "project"),
    ("project templates", "workspace", "workspace"),
    ("goals", "workspace", "workspace"),
    ("portfolio memberships", "portfolio", "portfolio"),
    ("time tracking entries", "workspace", "workspace"),
    ("allocations", "workspace", "workspace"),
]


@pytest.mark.parametrize(("route", "left_out", "named"), MISSING, ids=[f"{r}-{p}" for r, p, _ in MISSING])
def test_a_missing_required_parameter_is_a_400_missing_input(
    demo, route: str, left_out: str, named: str
) -> None:
    path, query = VALID[route](demo.store)
    complete = demo.get(path, **query)
    assert complete.status_code == (412 if route == "events" else 200), (
        complete.text
    )  # 412: no sync token yet
    response = demo.get(path, **{k: v for k, v in query.items() if k != left_out})
    assert response.status_code == 400
    assert error_message(response.json()) == f"{named}: Missing input"


def test_no_authorization_header_is_a_401(demo) -> None:
    response = requests.get(demo.base_url + "/workspaces", timeout=30)
    assert response.status_code == 401
    assert error_message(response.json()) == "Not Authorized"


@pytest.mark.parametrize("header", ["Bearer wrong-token", "Bearer ", "Basic c2FuZGJveDpwYXQ=", "sandbox-pat"])
def test_a_wrong_token_or_scheme_is_a_401(demo, header: str) -> None:
    response = requests.get(demo.base_url + "/workspaces", headers={"Authorization": header}, timeout=30)
    assert response.status_code == 401
    assert error_message(response.json()) == "Not Authorized"


def test_the_personal_access_token_is_accepted(demo) -> None:
    assert demo.get("/workspaces").status_code == 200


@pytest.mark.parametrize("path", ["/no_such_thing", "/tasks/1/no_such_thing", "/"])
def test_an_unknown_route_is_a_404_in_asanas_shape(demo, path: str) -> None:
    response = demo.get(path)
    assert response.status_code == 404
    error_message(response.json())


def test_an_unknown_route_outside_the_api_is_a_404(demo) -> None:
    response = demo.session.get(demo.root_url + "/api/2.0/tasks", timeout=30)
    assert response.status_code == 404
    error_message(response.json())


def test_an_unknown_gid_is_a_404(demo) -> None:
    response = demo.get("/tasks/404404404404")
    assert response.status_code == 404
    error_message(response.json())


def test_an_object_of_another_type_is_a_404(demo) -> None:
    response = demo.get(f"/tasks/{busiest_project(demo.store)['gid']}")
    assert response.status_code == 404


def test_a_deleted_task_is_a_404(sandbox) -> None:
    changed = sandbox.control("mutate", {"fraction": 0.3, "seed": 5})
    assert changed["deleted"], changed
    for gid in changed["deleted"]:
        response = sandbox.get(f"/tasks/{gid}")
        assert response.status_code == 404
        error_message(response.json())


def test_server_errors_carry_a_phrase(sandbox) -> None:
    sandbox.control("faults", {"error_rate": 1})
    response = sandbox.get("/workspaces")
    assert response.status_code == 500
    error_message(response.json())
    phrase = response.json()["errors"][0]["phrase"]
    assert isinstance(phrase, str) and len(phrase.split()) >= 3


def test_client_errors_carry_no_phrase(demo) -> None:
    response = demo.get("/tasks/404404404404")
    assert "phrase" not in response.json()["errors"][0]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"error_rate": "lots"}', b'{"no_such_fault": 1}', b'{"error_rate": 2}'],
)
def test_a_malformed_faults_body_is_a_400(demo, body: bytes) -> None:
    response = requests.post(
        f"{demo.root_url}/_sandbox/faults",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    error_message(response.json())


@pytest.mark.parametrize("body", [b"{not json", b'{"fraction": 0}', b'{"fraction": "half"}', b"{}"])
def test_a_malformed_mutate_body_is_a_400(demo, body: bytes) -> None:
    response = requests.post(
        f"{demo.root_url}/_sandbox/mutate",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    error_message(response.json())


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("/tasks", {"modified_since": "yesterday"}, "modified_since"),
        ("/tasks", {"completed_since": "2024-13-45"}, "completed_since"),
        ("/projects", {"archived": "maybe"}, "archived"),
        ("/status_updates", {"created_since": "soon"}, "created_since"),
        ("/time_periods", {"start_on": "01/02/2024"}, "start_on"),
    ],
)
def test_a_malformed_query_value_is_a_400_naming_it(demo, path: str, query: Query, named: str) -> None:
    anchor = {
        "/tasks": {"project": busiest_project(demo.store)["gid"]},
        "/projects": {"workspace": workspace(demo.store)["gid"]},
        "/status_updates": {"parent": busiest_project(demo.store)["gid"]},
        "/time_periods": {"workspace": workspace(demo.store)["gid"]},
    }[path]
    response = demo.get(path, **anchor, **query)
    assert response.status_code == 400
    assert error_message(response.json()).startswith(f"{named}:")


def test_a_request_body_on_a_get_is_ignored_not_a_500(demo) -> None:
    response = demo.session.get(demo.base_url + "/workspaces", data=b"\xff\xfe garbage", timeout=30)
    assert response.status_code == 200


def _raw_exchange(client, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send raw bytes to the sandbox; (status line, headers, body) of the answer."""
    host, port = client.server.root_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        # The server answers an oversized request before reading all of it, then closes: the unread rest
        # makes the close a reset, which may arrive after the answer.
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return status, headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        # The request line and headers together are limited to 64 KiB (the server counts both).
        (
            b"GET /api/1.0/users/me HTTP/1.1\r\nHost: x\r\n"
            + (b"X-Many: " + b"y" * 1000 + b"\r\n") * 100
            + b"\r\n",
            "431",
        ),
        (b"GET /api/1.0/" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "431"),
        (b"GET /api/1.0/users/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "400"),
        (b"GET /api/1.0/users/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "501"),
    ],
    ids=["headers-too-large", "uri-too-long", "malformed-header", "unknown-transfer-encoding"],
)
def test_requests_http_cannot_parse_are_answered_in_asanas_shape(
    demo, request_bytes: bytes, status: str
) -> None:
    status_line, headers, body = _raw_exchange(demo, request_bytes)
    assert status_line.split()[1] == status
    assert headers["content-type"] == "application/json"
    error_message(json.loads(body))
