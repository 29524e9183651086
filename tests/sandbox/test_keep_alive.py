"""The sandbox keeps HTTP/1.1 connections alive between requests, as Asana's API does."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

from asana_sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server = SandboxServer("demo", requests_per_minute=1_000_000).start()
    yield server
    server.stop()


def _connection(server: SandboxServer) -> http.client.HTTPConnection:
    host, port = server.root_url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def test_three_requests_on_one_connection_reuse_it(server: SandboxServer) -> None:
    connection = _connection(server)
    sockets = []
    try:
        for path in ("/users/me", "/workspaces", "/users/me"):
            connection.request("GET", "/api/1.0" + path, headers={"Authorization": f"Bearer {server.token}"})
            response = connection.getresponse()
            body = json.loads(response.read())
            assert response.status == 200
            assert "data" in body
            assert (response.getheader("Connection") or "").lower() != "close"
            sockets.append(connection.sock)
    finally:
        connection.close()
    assert sockets[0] is not None
    assert sockets[0] is sockets[1] is sockets[2]


def test_an_error_answer_keeps_the_connection_too(server: SandboxServer) -> None:
    connection = _connection(server)
    try:
        connection.request("GET", "/api/1.0/users/me")  # no token: 401 in Asana's shape
        first = connection.getresponse()
        assert first.status == 401
        assert json.loads(first.read())["errors"]
        opened = connection.sock
        connection.request("GET", "/api/1.0/users/me", headers={"Authorization": f"Bearer {server.token}"})
        second = connection.getresponse()
        assert second.status == 200
        second.read()
        assert connection.sock is opened
    finally:
        connection.close()


def test_a_request_asking_to_close_is_answered_then_closed(server: SandboxServer) -> None:
    connection = _connection(server)
    try:
        connection.request(
            "GET",
            "/api/1.0/users/me",
            headers={"Authorization": f"Bearer {server.token}", "Connection": "close"},
        )
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["data"]["gid"]
        assert response.will_close
    finally:
        connection.close()
