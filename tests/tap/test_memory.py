"""The tap caps glibc's malloc arenas for its process, unless the user set glibc's own variable."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHECK = "from tap_asana.memory import limit_malloc_arenas as f; print(f(), f())"


def _run(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_the_cap_is_set_once_on_glibc() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert _run(env) == "True True"


def test_glibcs_own_variable_wins() -> None:
    assert _run({**os.environ, "MALLOC_ARENA_MAX": "8"}) == "False False"


def test_the_tap_sets_it_before_its_workers_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import tap_asana.tap as tap_module

    calls: list[int] = []
    monkeypatch.setattr(tap_module, "limit_malloc_arenas", lambda: calls.append(1) or True)
    tap_module.TapAsana(config={"access_token": "x", "api_url": "http://127.0.0.1:9/api/1.0"})
    assert calls == [1]
