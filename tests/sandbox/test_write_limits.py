"""Asana's concurrent write limit: 15 writes in flight per token, the others 429 (asana-api.md 3.2)."""

from __future__ import annotations

import threading
import time

import requests

from tests.sandbox.helpers import error_message, workspace
from tests.sandbox_client import SandboxClient

WRITES = 30
MAX_CONCURRENT_WRITES = 15
# Long enough for every request to arrive while the first 15 still hold their slots, on a loaded machine.
DELAY_MS = 3000
RATE_LIMIT_MESSAGE = (
    "You've made too many requests and hit a rate limit. Please retry after the given amount of time."
)


def test_30_writes_in_flight_get_at_most_15_served_at_once(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    limits = sandbox.server.app.limits
    sandbox.control("faults", {"delay_ms": DELAY_MS})  # every answer is slow: requests overlap
    start = threading.Barrier(WRITES + 1)
    lock = threading.Lock()
    answers: list[requests.Response] = []
    reads: list[int] = []
    peak = [0]
    done = threading.Event()

    def write(k: int) -> None:
        start.wait()
        response = requests.post(
            f"{sandbox.base_url}/tags",
            json={"data": {"name": f"burst {k}", "workspace": acme}},
            headers=sandbox.session.headers,
            timeout=60,
        )
        with lock:
            answers.append(response)

    def read() -> None:
        start.wait()
        while limits.in_flight(sandbox.token)[1] < MAX_CONCURRENT_WRITES and not done.is_set():
            time.sleep(0.01)
        reads.append(
            requests.get(f"{sandbox.base_url}/users/me", headers=sandbox.session.headers).status_code
        )

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], limits.in_flight(sandbox.token)[1])
            time.sleep(0.005)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(WRITES)] + [
        threading.Thread(target=read)
    ]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    sandbox.control("faults", {"delay_ms": 0})

    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] * MAX_CONCURRENT_WRITES + [429] * (WRITES - MAX_CONCURRENT_WRITES)
    assert peak[0] == MAX_CONCURRENT_WRITES
    for refused in (r for r in answers if r.status_code == 429):
        assert refused.headers["Retry-After"].isdigit() and int(refused.headers["Retry-After"]) >= 1
        assert error_message(refused.json()) == RATE_LIMIT_MESSAGE
    assert reads == [200]  # reads have their own limit
    assert (
        len([t for t in sandbox.store.related("tag", "workspace", acme) if t["name"].startswith("burst")])
        == 15
    )
    assert sandbox.post("/tags", {"name": "after", "workspace": acme}).status_code == 201
