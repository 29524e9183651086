"""Load: 2,000 deliveries in a burst, all kept, each answered inside 10 s; SIGKILL loses nothing answered."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from click.testing import CliRunner

from asana_webhooks.cli import main
from asana_webhooks.queue import EventQueue, event_digest
from asana_webhooks.receiver import Receiver, ReceiverServer
from asana_webhooks.secrets import SecretStore, new_token
from tests.tap.tap_runner import FAST
from tests.webhooks.helpers import SECRET, event, sign

BURST = 2_000
CLIENTS = 16
ASANA_TIMEOUT = 10.0


def burst(
    url: str, token: str, count: int, stop: Callable[[], bool] = lambda: False, acked: list[int] | None = None
) -> dict:
    """`count` single-event deliveries from CLIENTS threads (a keep-alive session each); what came back.

    `acked` collects the numbers of the deliveries answered 200 as they come.
    """
    acked = [] if acked is None else acked
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    local = threading.local()

    def send(n: int) -> None:
        if stop():
            return
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        body = json.dumps({"events": [event(n)]}).encode()
        started = time.monotonic()
        try:
            answer = session.post(
                f"{url}/{token}",
                data=body,
                headers={"X-Hook-Signature": sign(SECRET, body)},
                timeout=ASANA_TIMEOUT,
            )
        except requests.RequestException as exc:
            with lock:
                failures.append(type(exc).__name__)
            return
        with lock:
            latencies.append(time.monotonic() - started)
            if answer.status_code == 200:
                acked.append(n)
            else:
                failures.append(str(answer.status_code))

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, range(count)))
    return {"acked": acked, "latencies": latencies, "failures": failures}


def test_a_burst_of_2000_deliveries_is_kept_whole_each_answered_inside_10_seconds(receiving) -> None:
    token = receiving.hook()
    started = time.monotonic()
    result = burst(receiving.url, token, BURST)
    elapsed = time.monotonic() - started
    assert result["failures"] == []
    assert len(result["acked"]) == BURST
    assert max(result["latencies"]) < ASANA_TIMEOUT
    with EventQueue(receiving.queue_path) as queue:
        assert queue.count() == BURST
        stored = {item.event["resource"]["gid"] for item in queue.read()}
    assert stored == {event(n)["resource"]["gid"] for n in range(BURST)}
    print(
        f"\n{BURST} deliveries in {elapsed:.1f} s ({BURST / elapsed:.0f}/s), "
        f"slowest answer {max(result['latencies']) * 1000:.0f} ms"
    )


def start_receiver(tmp_path: Path) -> tuple[subprocess.Popen, str, list[str]]:
    """`asana-webhooks serve --port 0` in a subprocess; its URL, read from its log."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "asana_webhooks",
            "serve",
            "--port",
            "0",
            "--queue",
            str(tmp_path / "queue.sqlite"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if match := re.search(r"listening on (http://\S+)", line):
                url.append(match[1])
                found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(20), "".join(lines)
    return process, url[0], lines


def test_a_receiver_killed_mid_burst_loses_no_event_it_answered_200_for(tmp_path) -> None:
    store = SecretStore(tmp_path / "queue.sqlite.secrets.json")
    token = new_token()
    store.reserve(token, resource="1300", target="x")
    assert store.accept_handshake(token, SECRET)
    process, url, _ = start_receiver(tmp_path)
    killed = threading.Event()
    acked: list[int] = []

    def killer() -> None:
        # Kill once a few hundred deliveries were answered, while the others are in flight.
        while len(acked) < 300 and process.poll() is None:
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        killed.set()

    threading.Thread(target=killer, daemon=True).start()
    result = burst(url, token, BURST, stop=killed.is_set, acked=acked)
    process.wait(10)
    acked_before_kill = result["acked"]
    assert process.returncode == -signal.SIGKILL
    assert 300 <= len(acked_before_kill) < BURST, "the kill came after the burst: nothing was tested"
    assert result["failures"], "no delivery failed: the receiver was not killed mid-burst"
    with EventQueue(tmp_path / "queue.sqlite") as queue:
        stored = {item.event_id for item in queue.read()}
    missing = [n for n in acked_before_kill if event_digest(token, event(n)) not in stored]
    assert missing == []
    print(f"\nkilled after {len(acked_before_kill)} answers; {len(stored)} stored; none answered was lost")


def test_sigterm_stops_the_receiver_cleanly(tmp_path) -> None:
    process, url, lines = start_receiver(tmp_path)
    assert requests.get(url, timeout=5).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0
    assert any("stopped" in line for line in lines)
    assert not any("Traceback" in line for line in lines)


def test_2000_events_the_sandbox_delivers_are_all_queued_once(sandbox_factory, tmp_path) -> None:
    sandbox = sandbox_factory(allow_loopback_webhooks=True)
    queue_path = tmp_path / "queue.sqlite"
    store = SecretStore(tmp_path / "queue.sqlite.secrets.json")
    receiver = ReceiverServer(Receiver(EventQueue(queue_path), store), port=0, threads=4).start()
    config = tmp_path / "tap.json"
    config.write_text(json.dumps({"access_token": sandbox.token, "api_url": sandbox.base_url, **FAST}))
    try:
        project = sandbox.store.all("project")[0]
        created = CliRunner().invoke(
            main,
            ["create", "--config", str(config), "--queue", str(queue_path), "--resource", project["gid"],
             "--target", receiver.url],
        )  # fmt: skip
        assert created.exit_code == 0, created.output
        (hook,) = store.hooks()
        tasks = sandbox.get(f"/projects/{project['gid']}/tasks").json()["data"]
        renames = BURST // 2  # each rename is two events: the change and its `name_changed` story
        for n in range(renames):
            assert (
                sandbox.put(f"/tasks/{tasks[n % len(tasks)]['gid']}", {"name": f"burst {n}"}).status_code
                == 200
            )
        stats = sandbox.control("webhooks/flush", {"wait_seconds": 60})["webhooks"]["by_webhook"][
            hook.webhook_gid
        ]
        assert stats["failed"] == 0 and stats["pending_events"] == 0
        with EventQueue(queue_path) as queue:
            events = [item.event for item in queue.read()]
        assert len(events) == stats["events_delivered"] >= BURST
        names = {e["resource"].get("name") for e in events if e["action"] == "changed"}
        assert {f"burst {n}" for n in range(renames)} <= names
    finally:
        receiver.stop()
