"""Control endpoints under bad input (a JSON 400, never an HTML 500), and who may call them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from werkzeug.test import Client

from asana_sandbox.app import CONTROL_TOKEN_HEADER
from asana_sandbox.control import ENDPOINTS
from asana_sandbox.server import build_app

POSTABLE = sorted(name for name, methods in ENDPOINTS.items() if "POST" in methods)
# What a careless or hostile caller sends: not JSON, the wrong shape, non-finite numbers, wrong types.
BAD_BODIES = [
    b"{not json",
    b"[1, 2]",
    b'"a string"',
    b"null",
    b'{"seed": {}}',
    b'{"fraction": "half"}',
    b'{"fraction": NaN}',
    b'{"delay_ms": Infinity}',
    b'{"delay_ms": -Infinity}',
    b'{"delay_ms": NaN}',
    b'{"offset_ttl_seconds": NaN}',
    b'{"error_rate": 2}',
    b'{"rate_limit_burst": 1e400}',
    b'{"seconds": "soon"}',
    b'{"seconds": Infinity}',
    b'{"bad_body": 3}',
    b'{"unknown_setting": 1}',
]


@pytest.mark.parametrize("name", POSTABLE)
@pytest.mark.parametrize("body", BAD_BODIES, ids=lambda b: b.decode()[:24])
def test_bad_control_input_is_a_json_error_never_a_500(demo, name: str, body: bytes) -> None:
    response = requests.post(
        f"{demo.root_url}/_sandbox/{name}",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code < 500, (name, body, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        message = response.json()["errors"][0]["message"]
        assert message and "Traceback" not in message


def test_the_dataset_is_unchanged_by_refused_mutations(demo) -> None:
    before = demo.store.counts()
    for body in (b'{"seed": {}}', b'{"fraction": NaN}', b'{"fraction": 0}'):
        headers = {"Content-Type": "application/json"}
        response = requests.post(f"{demo.root_url}/_sandbox/mutate", data=body, headers=headers, timeout=30)
        assert response.status_code == 400
    assert demo.store.counts() == before


def test_a_control_token_guards_the_control_endpoints(sandbox_factory) -> None:
    client = sandbox_factory(control_token="c0ntrol-s3cret")
    url = f"{client.root_url}/_sandbox/stats"
    assert requests.get(url, timeout=10).status_code == 403
    assert requests.get(url, headers={CONTROL_TOKEN_HEADER: "wrong"}, timeout=10).status_code == 403
    assert requests.get(url, headers={CONTROL_TOKEN_HEADER: "c0ntrol-s3cret"}, timeout=10).status_code == 200
    refused = requests.post(f"{client.root_url}/_sandbox/mutate", json={"fraction": 0.5}, timeout=10)
    assert refused.status_code == 403 and "X-Sandbox-Control-Token" in refused.json()["errors"][0]["message"]
    assert client.get("/users/me").status_code == 200  # the API itself is unchanged


def test_without_a_token_only_loopback_clients_reach_the_control_endpoints() -> None:
    app = build_app("demo")
    remote = Client(app).get("/_sandbox/stats", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
    assert "loopback" in json.loads(remote.get_data())["errors"][0]["message"]
    local = Client(app).get("/_sandbox/stats", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200


def test_serving_beyond_loopback_needs_a_control_token() -> None:
    run = subprocess.run(
        [str(Path(sys.executable).parent / "asana-sandbox"), "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "--control-token" in run.stderr.strip().splitlines()[-1]
