"""`asana-sandbox serve`: a base URL and token on start; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer

CLI = Path(sys.executable).parent / "asana-sandbox"
TIMEOUT = 60


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args], capture_output=True, text=True, timeout=TIMEOUT, check=False, env=_env()
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # the CLI must show its URL on a pipe without help
    return env


def _assert_one_line_usage_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unknown_dataset_is_one_line_and_exit_code_2() -> None:
    line = _assert_one_line_usage_error(_run("serve", "--dataset", "nope", "--port", "0"))
    assert "nope" in line
    assert line.startswith("asana-sandbox: error:")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def test_a_busy_port_is_one_line_and_exit_code_2(busy_port: int) -> None:
    line = _assert_one_line_usage_error(_run("serve", "--port", str(busy_port)))
    assert str(busy_port) in line
    assert "--port" in line


def test_an_address_that_is_not_this_machines_is_one_line_and_exit_code_2() -> None:
    line = _assert_one_line_usage_error(_run("serve", "--host", "192.0.2.1", "--port", "0"))  # TEST-NET-1
    assert "192.0.2.1" in line
    assert "--port" not in line  # another port would not help


def test_a_sandbox_server_on_a_busy_port_raises_oserror(busy_port: int) -> None:
    with pytest.raises(OSError):
        SandboxServer("demo", port=busy_port)


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--bogus"),
        ("serve", "--port", "not-a-number"),
        ("serve", "--port", "70000"),
        ("serve", "--tier", "gold"),
        ("serve", "--requests-per-minute", "0"),
        ("no-such-command",),
        (),
    ],
    ids=[
        "unknown-flag",
        "port-not-a-number",
        "port-out-of-range",
        "unknown-tier",
        "zero-budget",
        "unknown-command",
        "no-command",
    ],
)
def test_a_bad_flag_is_one_line_and_exit_code_2(args: tuple[str, ...]) -> None:
    _assert_one_line_usage_error(_run(*args))


def test_serve_prints_the_base_url_and_token_and_answers_there() -> None:
    process = subprocess.Popen(
        [str(CLI), "serve", "--port", "0", "--host", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True)
    reader.start()
    try:
        seen: list[str] = []
        while not any(line.startswith("token") for line in seen):
            try:
                seen.append(lines.get(timeout=TIMEOUT))
            except queue.Empty:
                pytest.fail(f"serve printed no token line; stdout so far: {seen}")
        urls = [m.group(0) for line in seen if (m := re.search(r"http://127\.0\.0\.1:\d+/api/1\.0", line))]
        assert urls, seen
        assert any(DEFAULT_TOKEN in line for line in seen if line.startswith("token"))
        response = requests.get(
            f"{urls[0]}/users/me", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=30
        )
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()


@pytest.mark.parametrize(
    "records",
    [
        [{"gid": "1", "resource_type": "workspace", "name": "No users"}],
        [
            {"gid": "1", "resource_type": "user", "name": "A"},
            {"gid": "1", "resource_type": "user", "name": "B"},
        ],
        {"records": "not a list"},
        "not json at all",
    ],
    ids=["no-user", "duplicate-gid", "records-not-a-list", "not-json"],
)
def test_a_dataset_file_the_sandbox_cannot_serve_is_one_line_and_exit_code_2(
    tmp_path: Path, records: object
) -> None:
    dataset = tmp_path / "dataset.json"
    dataset.write_text(records if isinstance(records, str) else json.dumps(records), encoding="utf-8")
    line = _assert_one_line_usage_error(_run("serve", "--port", "0", "--dataset", str(dataset)))
    assert "dataset" in line
