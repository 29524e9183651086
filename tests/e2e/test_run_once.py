"""`run_once`: a result built by the first worker that asks, read by the others; failures and skips shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.run_once import run_once


class SharedTemp:
    """Stands for pytest's tmp_path_factory: its base temp's parent is the directory workers share."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def getbasetemp(self) -> Path:
        return self.root / "popen-gw0"


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SharedTemp:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    return SharedTemp(tmp_path)


def test_the_result_is_built_once_per_run(shared: SharedTemp) -> None:
    calls: list[int] = []

    def build() -> dict:
        calls.append(1)
        return {"rows": [1, 2]}

    assert run_once("thing", build, shared) == {"rows": [1, 2]}
    assert run_once("thing", build, shared) == {"rows": [1, 2]}
    assert len(calls) == 1
    assert run_once("other", build, shared) == {"rows": [1, 2]}
    assert len(calls) == 2


def test_a_failure_is_reported_again_not_rebuilt(shared: SharedTemp) -> None:
    def build() -> dict:
        raise AssertionError("the full run failed")

    with pytest.raises(AssertionError):
        run_once("broken", build, shared)
    with pytest.raises(pytest.fail.Exception, match="the full run failed"):
        run_once("broken", lambda: {"never": True}, shared)


def test_a_skip_is_shared(shared: SharedTemp) -> None:
    def build() -> dict:
        pytest.skip("PostgreSQL is not installed")

    with pytest.raises(pytest.skip.Exception):
        run_once("skipped", build, shared)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        run_once("skipped", lambda: {"never": True}, shared)


def test_without_xdist_it_just_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    calls: list[int] = []
    run_once("plain", lambda: calls.append(1) or {}, SharedTemp(tmp_path))
    run_once("plain", lambda: calls.append(1) or {}, SharedTemp(tmp_path))
    assert len(calls) == 2
    assert not list(tmp_path.iterdir())
