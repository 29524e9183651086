"""`run_once`: a result built by the first worker that asks, read by the others; failures and skips shared."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.run_once import run_once


@pytest.fixture
def run_id(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    value = uuid.uuid4().hex
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", value)
    yield value
    for path in Path(tempfile.gettempdir()).glob(f"asana-e2e-{value}-*"):
        path.unlink()


def test_the_result_is_built_once_per_run(run_id: str) -> None:
    calls: list[int] = []

    def build() -> dict:
        calls.append(1)
        return {"rows": [1, 2]}

    assert run_once("thing", build) == {"rows": [1, 2]}
    assert run_once("thing", build) == {"rows": [1, 2]}
    assert len(calls) == 1
    assert run_once("other", build) == {"rows": [1, 2]}
    assert len(calls) == 2


def test_a_failure_is_reported_again_not_rebuilt(run_id: str) -> None:
    def build() -> dict:
        raise AssertionError("the full run failed")

    with pytest.raises(AssertionError):
        run_once("broken", build)
    with pytest.raises(pytest.fail.Exception, match="the full run failed"):
        run_once("broken", lambda: {"never": True})


def test_a_skip_is_shared(run_id: str) -> None:
    def build() -> dict:
        pytest.skip("PostgreSQL is not installed")

    with pytest.raises(pytest.skip.Exception):
        run_once("skipped", build)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        run_once("skipped", lambda: {"never": True})


def test_without_xdist_it_just_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)
    calls: list[int] = []
    run_once("plain", lambda: calls.append(1) or {})
    run_once("plain", lambda: calls.append(1) or {})
    assert len(calls) == 2
