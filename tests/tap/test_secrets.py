"""No secret in any output: every failure path the tap has, run with known secrets, and stdout (records and
state), stderr and the state file searched for them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from asana_sandbox.oauth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from tests.tap.tap_runner import FAST, selected_catalog, tap_with_config

TOKEN = "2/1204999999999999/1299999999999999:5ecre7t0ken0f7hirtytw0chars"


def _run(config: dict[str, Any], tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return tap_with_config(config, tmp_path, *extra)


def _assert_clean(run: subprocess.CompletedProcess, *secrets: str) -> None:
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    for secret in secrets:
        for part in {secret, secret.strip(), secret.strip()[-12:]}:  # a tail is enough to leak a token
            assert part not in run.stdout, "a secret is in stdout (records or state)"
            assert part not in run.stderr, "a secret is in stderr"


@pytest.fixture
def known(sandbox_factory):
    """A sandbox whose PAT is TOKEN, and a config for it with only `workspaces` selected."""
    sandbox = sandbox_factory(token=TOKEN)
    config = {"access_token": TOKEN, "api_url": sandbox.base_url, **FAST, "max_retries": 2}
    return sandbox, config


# Each: what goes wrong (config overrides, sandbox faults), the exit code.
FAILURES = {
    "5xx until the tries run out": ({}, {"error_rate": 1.0, "error_status": 503}, 1),
    "dropped connections": ({}, {"drop_rate": 1.0}, 1),
    "a Retry-After past the ceiling": ({"max_retry_after_seconds": 1}, {"rate_limit_burst": 5}, 1),
    "broken bodies": ({}, {"bad_body": "html", "bad_body_burst": 100}, 1),
    "a refused token": ({"access_token": TOKEN[::-1]}, {}, 1),
    "a token with a line break inside": ({"access_token": TOKEN[:20] + "\n" + TOKEN[20:]}, {}, 1),
    "a bad setting": ({"requests_per_minute": 0}, {}, 2),
    "nothing listening at api_url": ({"api_url": "http://127.0.0.1:9/api/1.0"}, {}, 1),
    "an api_url that is not the API": ({"api_url": "ROOT/api/1.0/x"}, {}, 2),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_no_failure_prints_the_token(known, tmp_path: Path, case: str) -> None:
    sandbox, config = known
    overrides, faults, code = FAILURES[case]
    root = sandbox.base_url.removesuffix("/api/1.0")
    config = {**config, **{k: v.replace("ROOT", root) if k == "api_url" else v for k, v in overrides.items()}}
    if faults:
        sandbox.control("faults", {"rate_limit_retry_after": 30, **faults})
    run = _run(config, tmp_path)
    assert run.returncode == code, run.stderr[-2000:]
    _assert_clean(run, TOKEN)


def test_a_token_pasted_with_a_newline_works_and_is_not_printed(known, tmp_path: Path) -> None:
    sandbox, config = known
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(selected_catalog(config, ["workspaces", "projects"])))
    state = tmp_path / "state.json"
    run = _run({**config, "access_token": f"  {TOKEN}\n"}, tmp_path, "--catalog", str(catalog))
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count('"RECORD"') > len(sandbox.store.all("workspace"))
    _assert_clean(run, TOKEN)
    states = [json.loads(line)["value"] for line in run.stdout.splitlines() if '"STATE"' in line]
    state.write_text(json.dumps(states[-1]))
    assert TOKEN[-12:] not in state.read_text()


def test_oauth_failures_print_no_client_secret_or_refresh_token(sandbox, tmp_path: Path) -> None:
    oauth = {
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "refresh_token": DEFAULT_REFRESH_TOKEN,
        "api_url": sandbox.base_url,
        **FAST,
        "max_retries": 2,
    }
    wrong_secret = {**oauth, "client_secret": "wrong-" + DEFAULT_CLIENT_SECRET}
    run = _run(wrong_secret, tmp_path)
    assert run.returncode == 1
    _assert_clean(run, wrong_secret["client_secret"], DEFAULT_REFRESH_TOKEN)

    sandbox.control("faults", {"error_rate": 1.0, "error_status": 502})
    run = _run(oauth, tmp_path)
    assert run.returncode == 1
    _assert_clean(run, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN)
