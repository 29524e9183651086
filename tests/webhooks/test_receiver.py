"""The receiver over HTTP: handshake, signed deliveries, refusals that store nothing, replays, limits."""

from __future__ import annotations

import json
import socket
import sqlite3
import stat

import pytest
import requests

from asana_webhooks.queue import EventQueue
from asana_webhooks.receiver import Receiver, ReceiverServer
from asana_webhooks.secrets import SecretStore, new_token
from tests.webhooks.helpers import SECRET, event, sign


def handshake(receiving, token: str, secret: str = SECRET) -> requests.Response:
    """Asana's handshake: an empty POST carrying X-Hook-Secret."""
    return requests.post(f"{receiving.url}/{token}", headers={"X-Hook-Secret": secret}, timeout=10)


def test_handshake_on_a_reserved_path_echoes_the_secret_and_keeps_it(receiving) -> None:
    token = new_token()
    receiving.store.reserve(token, resource="1300", target=f"{receiving.url}/{token}")
    answer = handshake(receiving, token)
    assert answer.status_code == 200
    assert answer.headers["X-Hook-Secret"] == SECRET
    assert answer.elapsed.total_seconds() < 1
    assert receiving.store.secret_for(token) == SECRET.encode()
    assert stat.S_IMODE(receiving.store.path.stat().st_mode) == 0o600
    # Asana may send the handshake again (e.g. after a slow answer): the same secret is echoed again ...
    assert handshake(receiving, token).status_code == 200
    # ... but nobody can swap in a secret of their own.
    assert handshake(receiving, token, "0" * 32).status_code == 401
    assert receiving.store.secret_for(token) == SECRET.encode()


def test_handshake_on_a_path_nobody_reserved_is_refused(receiving) -> None:
    answer = handshake(receiving, new_token())
    assert answer.status_code == 401
    assert "X-Hook-Secret" not in answer.headers
    assert "asana-webhooks create" in answer.json()["error"]
    assert receiving.store.hooks() == []


def test_a_signed_delivery_is_stored_before_the_200(receiving) -> None:
    token = receiving.hook()
    receiving.store.complete(token, "4400")
    answer = receiving.deliver(token, [event(1), event(2)])
    assert answer.status_code == 200
    assert answer.json() == {"stored": 2, "duplicates": 0}
    with EventQueue(receiving.queue_path) as queue:
        rows = list(queue.read())
    assert [row.event for row in rows] == [event(1), event(2)]
    assert {row.hook for row in rows} == {token}
    assert {row.webhook_gid for row in rows} == {"4400"}
    assert [row.seq for row in rows] == [1, 2]


def test_a_heartbeat_is_answered_and_stores_nothing(receiving) -> None:
    token = receiving.hook()
    answer = receiving.deliver(token, [])
    assert answer.status_code == 200
    assert answer.json() == {"stored": 0, "duplicates": 0}
    assert receiving.stored() == []


@pytest.mark.parametrize(
    ("case", "expected_error"),
    [
        ("forged", "does not match"),
        ("unsigned", "missing X-Hook-Signature"),
        ("signed with another secret", "does not match"),
        ("body changed after signing", "does not match"),
        ("unknown path", "unknown webhook path"),
        ("path that is not a token", "unknown webhook path"),
        ("reserved but never shaken", "unknown webhook path"),
    ],
)
def test_untrusted_deliveries_get_401_and_store_nothing(receiving, case, expected_error) -> None:
    token = receiving.hook()
    events = [event(1)]
    body = json.dumps({"events": events}).encode()
    if case == "forged":
        answer = receiving.deliver(token, events, headers={"X-Hook-Signature": "ab" * 32})
    elif case == "unsigned":
        answer = receiving.deliver(token, events, headers={"X-Hook-Signature": None})
    elif case == "signed with another secret":
        answer = receiving.deliver(token, events, secret="f" * 32)
    elif case == "body changed after signing":
        answer = receiving.deliver(
            token,
            events,
            body=body.replace(b"task 1", b"task 2"),
            headers={"X-Hook-Signature": sign(SECRET, body)},
        )
    elif case == "unknown path":
        answer = receiving.deliver(new_token(), events)
    elif case == "path that is not a token":
        answer = receiving.deliver("../../etc/passwd", events)
    else:
        pending = new_token()
        receiving.store.reserve(pending, resource="1300", target="x")
        answer = receiving.deliver(pending, events)
    assert answer.status_code == 401
    assert expected_error in answer.json()["error"]
    assert receiving.stored() == []


def test_a_replayed_delivery_is_stored_once(receiving) -> None:
    token = receiving.hook()
    first = receiving.deliver(token, [event(1), event(2)])
    again = receiving.deliver(token, [event(1), event(2)])
    overlapping = receiving.deliver(token, [event(2), event(3)])
    assert first.json() == {"stored": 2, "duplicates": 0}
    assert again.status_code == 200 and again.json() == {"stored": 0, "duplicates": 2}
    assert overlapping.json() == {"stored": 1, "duplicates": 1}
    assert receiving.stored() == [event(1), event(2), event(3)]


def test_a_replay_after_the_tap_drained_the_event_is_still_recognised(receiving) -> None:
    token = receiving.hook()
    receiving.deliver(token, [event(1)])
    with EventQueue(receiving.queue_path) as queue:
        assert queue.delete_through(queue.max_seq()) == 1
    assert receiving.deliver(token, [event(1)]).json() == {"stored": 0, "duplicates": 1}
    assert receiving.stored() == []


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "not JSON"),
        (b"\xff\xfe\x00", 400, "not JSON"),
        (b"[]", 400, '{"events": [...]}'),
        (b'{"events": {"a": 1}}', 400, '{"events": [...]}'),
        (b'{"data": []}', 400, '{"events": [...]}'),
        (b'{"events": [1, "two"]}', 400, "not a JSON object"),
        (b'{"events": [' + b'{"pad": "' + b"x" * 1_100_000 + b'"}]}', 413, None),
    ],
    ids=[
        "truncated",
        "not utf-8",
        "a list",
        "events not a list",
        "no events",
        "events not objects",
        "oversized",
    ],
)
def test_bad_bodies_get_a_clear_4xx_store_nothing_and_the_receiver_keeps_serving(
    receiving, body, status, error
) -> None:
    token = receiving.hook()
    answer = receiving.deliver(token, [], body=body)  # correctly signed: only the body is wrong
    assert answer.status_code == status
    if error:
        assert error in answer.json()["error"]
    assert receiving.stored() == []
    assert receiving.deliver(token, [event(7)]).status_code == 200
    assert receiving.stored() == [event(7)]


def test_bad_content_length_and_methods(receiving) -> None:
    token = receiving.hook()
    # A Content-Length over the limit is refused before the body is read.
    with socket.create_connection(("127.0.0.1", receiving.server.port), timeout=10) as sock:
        sock.sendall(
            f"POST /{token} HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n"
            f"X-Hook-Signature: {'a' * 64}\r\n\r\n".encode()
        )
        assert sock.recv(200).startswith(b"HTTP/1.1 413")
    assert requests.put(f"{receiving.url}/{token}", data=b"{}", timeout=10).status_code == 405
    assert requests.get(f"{receiving.url}/", timeout=10).json() == {"status": "ok"}
    assert receiving.stored() == []


def test_secrets_appear_in_no_log_queue_or_answer(receiving, caplog) -> None:
    token = new_token()
    receiving.store.reserve(token, resource="1300", target=f"{receiving.url}/{token}")
    handshake(receiving, token)
    receiving.deliver(token, [event(1)])
    receiving.deliver(token, [event(2)], headers={"X-Hook-Signature": "00" * 32})
    receiving.deliver(token, [event(3)], secret="e" * 32)
    handshake(receiving, new_token())
    assert caplog.records, "the receiver logs each request"
    assert SECRET not in caplog.text
    assert sign(SECRET, json.dumps({"events": [event(1)]}).encode()) not in caplog.text
    receiving.server.stop()
    for path in receiving.queue_path.parent.glob("queue.sqlite*"):
        assert SECRET.encode() not in path.read_bytes(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert repr(receiving.store).count(SECRET) == 0


def test_stop_finishes_and_closes(receiving) -> None:
    token = receiving.hook()
    assert receiving.deliver(token, [event(1)]).status_code == 200
    receiving.server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(receiving.url, timeout=2)
    assert receiving.stored() == [event(1)]


def test_a_locked_queue_gets_503_in_time_and_nothing_half_stored(tmp_path) -> None:
    queue_path = tmp_path / "queue.sqlite"
    store = SecretStore(tmp_path / "secrets.json")
    token = new_token()
    store.reserve(token, resource="1300", target="x")
    store.accept_handshake(token, SECRET)
    server = ReceiverServer(
        Receiver(EventQueue(queue_path, busy_timeout=0.3), store), port=0, threads=2
    ).start()
    body = json.dumps({"events": [event(1)]}).encode()
    headers = {"X-Hook-Signature": sign(SECRET, body)}
    try:
        blocker = sqlite3.connect(queue_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")  # e.g. a long maintenance job holding the file
        answer = requests.post(f"{server.url}/{token}", data=body, headers=headers, timeout=10)
        assert answer.status_code == 503 and "send them again" in answer.json()["error"]
        assert answer.elapsed.total_seconds() < 5
        blocker.execute("ROLLBACK")
        blocker.close()
        # Asana's retry then goes through, once.
        assert (
            requests.post(f"{server.url}/{token}", data=body, headers=headers, timeout=10).status_code == 200
        )
    finally:
        server.stop()
    with EventQueue(queue_path) as queue:
        assert [item.event for item in queue.read()] == [event(1)]
