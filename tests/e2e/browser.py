"""A headless Chromium page driven over the DevTools protocol on a pipe (--remote-debugging-pipe): no
WebDriver, no network port. Enough to change a form control the way a person does and read the result."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pipeline


def high(fd: int) -> int:
    """`fd` moved to 10 or above, so dup2 onto 3 and 4 in the child cannot clobber the other pipe."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Page:
    """One tab on `url`; `evaluate` runs JavaScript in it and returns the value."""

    def __init__(self, url: str) -> None:
        cmd = pipeline.chromium_command("about:blank", "--remote-debugging-pipe")
        cmd.remove("--virtual-time-budget=5000")  # that flag is for one-shot --dump-dom runs
        to_child_r, self._out = (high(fd) for fd in os.pipe())  # we write; Chromium reads on fd 3
        self._in, from_child_w = (high(fd) for fd in os.pipe())  # Chromium writes replies on fd 4
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=lambda: (os.dup2(to_child_r, 3), os.dup2(from_child_w, 4)),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._next = 0
        self._buffer = b""
        target = self._send("Target.createTarget", {"url": url})["targetId"]
        self._session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]

    def _send(self, method: str, params: dict[str, Any], session: str | None = None) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._in, 1 << 16)
                assert chunk, "Chromium closed the DevTools pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next:
                assert "error" not in reply, reply["error"]
                return reply["result"]

    def evaluate(self, expression: str) -> Any:
        result = self._send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, self._session
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, attempts: int = 200) -> Any:
        """Poll until `expression` is truthy (the page loads asynchronously); no timing is asserted."""
        for _ in range(attempts):
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"never true: {expression}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(
                self._out, json.dumps({"id": 0, "method": "Browser.close", "params": {}}).encode() + b"\0"
            )
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._out)
        os.close(self._in)

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_page(page: Path) -> Page:
    return Page(page.resolve().as_uri())
