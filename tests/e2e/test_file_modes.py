"""Files a pipeline leaves behind are the user's alone (mode 0600): Meltano's generated plugin configs (the
token is in them, and a killed run leaves them behind), its state database, and the loaded data."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pipeline
import pytest

from asana_sandbox.server import DEFAULT_TOKEN, SandboxServer

pytestmark = pytest.mark.e2e


def _shared(path: Path) -> list[str]:
    """Files and directories under `path` that the group or others may read (symlinks to shared installs
    are not ours)."""
    found = []
    for item in [path, *path.rglob("*")]:
        if item.is_symlink() or any(parent.is_symlink() for parent in item.parents):
            continue
        if stat.S_IMODE(item.stat().st_mode) & 0o077:
            found.append(f"{oct(stat.S_IMODE(item.stat().st_mode))} {item}")
    return found


def test_a_run_leaves_only_private_files(meltano_run) -> None:
    with SandboxServer("demo", port=0, requests_per_minute=1_000_000) as server:
        env = pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN)
        meltano_run("run", "tap-asana", "target-jsonl", **env)
    sys_dir = Path(meltano_run.env["MELTANO_SYS_DIR_ROOT"])
    assert list((sys_dir / "run" / "tap-asana").iterdir()), "Meltano wrote no run files: nothing was checked"
    assert _shared(sys_dir / "run") == []
    assert _shared(meltano_run.workdir / "jsonl") == []
    assert stat.S_IMODE((meltano_run.workdir / "meltano.db").stat().st_mode) == 0o600


def test_a_killed_run_leaves_its_token_in_a_private_file_and_force_recovers(meltano_run) -> None:
    with SandboxServer("demo", port=0, requests_per_minute=1_000_000) as server:
        server.app.faults.update({"delay_ms": 200})  # a slow Asana, so the run is still going when killed
        sandbox = pipeline.sandbox_env(server.base_url, DEFAULT_TOKEN)
        process = subprocess.Popen(
            [str(pipeline.meltano_executable()), "run", "tap-asana", "target-jsonl"],
            cwd=pipeline.REPO,
            env=pipeline.meltano_env({**meltano_run.env, **sandbox}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=lambda: (pipeline.private_files(), os.setsid()),
        )
        run_dir = Path(meltano_run.env["MELTANO_SYS_DIR_ROOT"]) / "run" / "tap-asana"
        try:
            deadline = time.monotonic() + 120
            while not list(run_dir.glob("*.config.json")) and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # the run is recorded as started
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # kill -9: no clean-up runs
            process.wait(timeout=30)
        configs = list(run_dir.glob("*.config.json"))
        assert configs, "the generated config was not found while the run was going"
        assert DEFAULT_TOKEN in configs[0].read_text()  # what makes the file matter
        assert _shared(run_dir) == []

        # The killed run still counts as running: the next one refuses to start, naming --force (the README's
        # recovery), which is safe because the state holds only what a completed partition emitted.
        server.app.faults.update({"delay_ms": 0})
        with pytest.raises(AssertionError, match="--force"):
            meltano_run("run", "tap-asana", "target-jsonl", **sandbox)
        meltano_run("run", "--force", "tap-asana", "target-jsonl", **sandbox)
