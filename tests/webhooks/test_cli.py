"""`asana-webhooks create | list | delete` against the sandbox (loopback targets allowed), and bad input."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from asana_webhooks.cli import main
from asana_webhooks.queue import EventQueue
from asana_webhooks.receiver import Receiver, ReceiverServer
from asana_webhooks.secrets import SecretStore
from tests.tap.tap_runner import FAST


@pytest.fixture
def setup(sandbox_factory, tmp_path):
    """A sandbox that lets webhooks reach loopback, a receiver, and a tap config naming both."""
    sandbox = sandbox_factory(allow_loopback_webhooks=True)
    queue_path = tmp_path / "queue.sqlite"
    store = SecretStore(tmp_path / "queue.sqlite.secrets.json")
    receiver = ReceiverServer(Receiver(EventQueue(queue_path), store), port=0, threads=4).start()
    config = tmp_path / "tap.json"
    config.write_text(
        json.dumps(
            {
                "access_token": sandbox.token,
                "api_url": sandbox.base_url,
                "webhook_queue": str(queue_path),
                **FAST,
            }
        )
    )
    project = sandbox.store.all("project")[0]
    yield {
        "sandbox": sandbox,
        "receiver": receiver,
        "config": str(config),
        "store": store,
        "project": project,
    }
    receiver.stop()


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_create_list_delete_round_trip(setup) -> None:
    sandbox, store, project = setup["sandbox"], setup["store"], setup["project"]
    created = cli(
        "create",
        "--config",
        setup["config"],
        "--resource",
        project["gid"],
        "--target",
        f"{setup['receiver'].url}/asana/",
        "--filter",
        "task:changed:name,notes",
        "--filter",
        "story:added",
    )
    assert created.exit_code == 0, created.output
    (hook,) = store.hooks()
    assert hook.has_secret and hook.webhook_gid and hook.resource == project["gid"]
    assert hook.target == f"{setup['receiver'].url}/asana/{hook.token}"
    assert (
        created.output
        == f"created webhook {hook.webhook_gid} on {project['gid']} ({project['name']}) -> {hook.target}\n"
    )
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    secret = store.secret_for(hook.token).decode()
    webhook = sandbox.get(f"/webhooks/{hook.webhook_gid}").json()["data"]
    assert webhook["active"] is True and webhook["target"] == hook.target
    assert {(f["resource_type"], f["action"], tuple(f.get("fields") or ())) for f in webhook["filters"]} == {
        ("task", "changed", ("name", "notes")),
        ("story", "added", ()),
    }

    listed = cli("list", "--config", setup["config"])
    assert listed.exit_code == 0
    mine = [line for line in listed.output.splitlines() if line.startswith(hook.webhook_gid)]
    assert len(mine) == 1 and mine[0].endswith("secret here") and hook.target in mine[0]
    as_json = [
        json.loads(line) for line in cli("list", "--config", setup["config"], "--json").output.splitlines()
    ]
    assert {row["gid"] for row in as_json if row["secret_here"]} == {hook.webhook_gid}

    deleted = cli("delete", "--config", setup["config"], hook.webhook_gid)
    assert deleted.exit_code == 0
    assert deleted.output.startswith(f"deleted webhook {hook.webhook_gid}; its secret removed")
    assert store.hooks() == []
    assert sandbox.get(f"/webhooks/{hook.webhook_gid}").status_code == 404
    again = cli("delete", "--config", setup["config"], hook.webhook_gid)
    assert again.exit_code == 1 and "no webhook" in again.output
    for output in (created.output, listed.output, deleted.output):
        assert secret not in output


def test_create_fails_cleanly_when_no_receiver_answers_the_handshake(setup) -> None:
    setup["receiver"].stop()
    result = cli(
        "create",
        "--config",
        setup["config"],
        "--resource",
        setup["project"]["gid"],
        "--target",
        setup["receiver"].url,
    )
    assert result.exit_code == 1
    assert "handshake" in result.output and len(result.output.strip().splitlines()) == 1
    assert setup["store"].hooks() == [], "a refused create leaves no reserved path behind"


def test_create_is_refused_for_a_loopback_target_as_asana_does(sandbox, tmp_path) -> None:
    config = tmp_path / "tap.json"
    config.write_text(json.dumps({"access_token": sandbox.token, "api_url": sandbox.base_url, **FAST}))
    result = cli(
        "create",
        "--config",
        str(config),
        "--queue",
        str(tmp_path / "q.sqlite"),
        "--resource",
        sandbox.store.all("project")[0]["gid"],
        "--target",
        "http://127.0.0.1:9/hooks",
    )
    assert result.exit_code == 1 and "403" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--resource", "1", "--target", "https://x.example/h", "--filter", "task"], "--filter"),
        (
            ["create", "--resource", "1", "--target", "https://x.example/h", "--filter", "task:edited"],
            "action",
        ),
        (
            ["create", "--resource", "1", "--target", "https://x.example/h", "--filter", "task:added:name"],
            "fields",
        ),
        (["create", "--resource", "1", "--target", "ftp://x.example/h"], "--target"),
        (["serve", "--port", "70000"], "--port"),
    ],
)
def test_usage_errors_exit_2_with_one_line(setup, args, message) -> None:
    result = cli(*args[:1], "--config", setup["config"], *args[1:])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert setup["store"].hooks() == []


def test_config_problems_exit_2_without_a_traceback(tmp_path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    no_queue = tmp_path / "no-queue.json"
    no_queue.write_text(json.dumps({"access_token": "x"}))
    no_token = tmp_path / "no-token.json"
    no_token.write_text(json.dumps({"api_url": "http://127.0.0.1:9/api/1.0"}))
    cases = [
        (["serve", "--config", str(tmp_path / "missing.json")], "cannot read"),
        (["serve", "--config", str(broken)], "not valid JSON"),
        (["serve", "--config", str(no_queue)], "--queue"),
        (["list", "--config", str(no_token)], "access_token"),
    ]
    for args, message in cases:
        run = subprocess.run(
            [sys.executable, "-m", "asana_webhooks", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 2, (args, run.stderr)
        assert message in run.stderr, (args, run.stderr)
        assert "Traceback" not in run.stderr


def test_serve_on_a_taken_port_or_with_an_unreadable_secrets_file_fails_in_one_line(tmp_path) -> None:
    broken = tmp_path / "broken.secrets.json"
    broken.write_text("{broken")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        cases = [
            (["--port", port], 2, "Address already in use"),
            (["--port", "0", "--secrets", str(broken)], 1, "is not valid JSON"),
        ]
        for args, code, message in cases:
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "asana_webhooks",
                    "serve",
                    "--queue",
                    str(tmp_path / "q.sqlite"),
                    *args,
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert run.returncode == code, run.stderr
            assert message in run.stderr and "Traceback" not in run.stderr
