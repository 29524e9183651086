"""A stand-in for Asana at the transport level: scripted answers, every request recorded, in-flight counts.

The sandbox has no write routes yet; this lets the client's write behaviour be tested without it.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from asana_client import AsanaClient, ClientSettings
from asana_client.auth import build_authenticator
from asana_client.throttle import is_write

API_URL = "https://asana.test/api/1.0"
TOKEN = "0/fake-token-abcdef0123456789"

#: One scripted answer: (status, JSON body, headers), or an exception to raise instead of answering.
Answer = tuple[int, Any, dict[str, str]] | Exception


class FakeAsana:
    """Answers from `script` in order (then `default`), optionally slowly, and counts what is in flight."""

    def __init__(self, *answers: Answer, delay: float = 0.0, default: Answer | None = None) -> None:
        self.script: deque[Answer] = deque(answers)
        self.default: Answer = default or (200, {"data": {"gid": "1"}}, {})
        self.delay = delay
        self.sent: list[requests.PreparedRequest] = []
        self.in_flight = {"read": 0, "write": 0}
        self.peak = {"read": 0, "write": 0}
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://", _Adapter(self))
        return session

    def client(self, **config: Any) -> AsanaClient:
        """A PAT client whose every thread talks to this fake; fast backoff unless overridden."""
        settings = ClientSettings.from_config(
            {"api_url": API_URL, "backoff_base_seconds": 0.001, "backoff_max_seconds": 0.002, **config}
        )
        return AsanaClient(
            settings, build_authenticator({"access_token": TOKEN}), session_factory=self.session
        )

    def answer(self, request: requests.PreparedRequest) -> Answer:
        kind = "write" if is_write(request.method or "GET") else "read"
        with self._lock:
            self.sent.append(request.copy())
            self.in_flight[kind] += 1
            self.peak[kind] = max(self.peak[kind], self.in_flight[kind])
            answer = self.script.popleft() if self.script else self.default
        try:
            time.sleep(self.delay)
        finally:
            with self._lock:
                self.in_flight[kind] -= 1
        return answer


class _Adapter(HTTPAdapter):
    def __init__(self, fake: FakeAsana) -> None:
        super().__init__()
        self.fake = fake

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        answer = self.fake.answer(request)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        content = b"" if body is None else json.dumps(body).encode()
        raw = HTTPResponse(
            body=io.BytesIO(content),
            status=status,
            headers={"Content-Type": "application/json", **headers},
            preload_content=False,
        )
        return self.build_response(request, raw)


def ok(body: Any = None) -> Answer:
    return (200, {"data": body if body is not None else {"gid": "1"}}, {})


def error(status: int, message: str = "", headers: dict[str, str] | None = None) -> Answer:
    return (status, {"errors": [{"message": message or "Something went wrong"}]}, headers or {})


def call_in_threads(count: int, call: Callable[[int], object]) -> list[object]:
    """Run `call(index)` from `count` threads at once; the results by index (exceptions re-raised)."""
    results: list[object] = [None] * count
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = call(index)
        except BaseException as exc:  # collected and re-raised in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results
