"""The Meltano toolchain of this repo: its virtualenv, its plugins, and running pipelines against a sandbox.

Used by `scripts/demo.py`, `scripts/dashboard.py` and the end-to-end tests. Meltano pins many packages, so it
lives in its own virtualenv (`.venv-meltano`); it installs every plugin of `meltano.yml` into `.meltano/`
from PyPI alone (every plugin is declared inline: no Meltano Hub, no GitHub).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MELTANO_VENV = REPO / ".venv-meltano"
MELTANO_REQUIREMENT = "meltano==4.4.1"
OUTPUT = REPO / "output"
DUCKDB_PATH = OUTPUT / "asana.duckdb"
INSTALL_LOCK = REPO / ".meltano" / "install.lock"
RAW_SCHEMA = "asana_raw"
MODEL_SCHEMA = "analytics"

# Plugin venvs whose Python can read DuckDB files (duckdb 1.2.2, the loader's version).
DASHBOARD_PYTHON = REPO / ".meltano" / "utilities" / "dashboard" / "venv" / "bin" / "python"


class PipelineError(RuntimeError):
    """A step of the pipeline failed; the message says which and how to see why."""


def log(message: str) -> None:
    print(f"==> {message}", flush=True)


_held_locks: set[Path] = set()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise installs between processes (pytest-xdist workers, a demo next to a test run); re-entrant."""
    if path in _held_locks:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _held_locks.add(path)
        try:
            yield
        finally:
            _held_locks.discard(path)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(cmd: Sequence[str | Path], *, what: str, **kwargs: Any) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], check=False, **kwargs)
    if result.returncode != 0:
        detail = ""
        if kwargs.get("capture_output"):
            detail = "\n" + (result.stdout or "")[-4000:] + (result.stderr or "")[-4000:]
        raise PipelineError(f"{what} failed (exit {result.returncode}): {' '.join(map(str, cmd))}{detail}")
    return result


def meltano_executable() -> Path:
    """`.venv-meltano/bin/meltano`, creating the virtualenv on first use."""
    exe = MELTANO_VENV / "bin" / "meltano"
    stamp = MELTANO_VENV / f".installed-{MELTANO_REQUIREMENT}"
    with _locked(INSTALL_LOCK):
        if exe.exists() and stamp.exists():
            return exe
        log(f"creating {MELTANO_VENV.name} with {MELTANO_REQUIREMENT} (once)")
        venv.create(MELTANO_VENV, with_pip=True, clear=True)
        pip = MELTANO_VENV / "bin" / "pip"
        # uv resolves and installs Meltano's ~150 pinned packages several times faster than pip.
        _run([pip, "install", "--quiet", "--disable-pip-version-check", "uv"], what="pip install uv")
        _run(
            [
                MELTANO_VENV / "bin" / "uv",
                "pip",
                "install",
                "--quiet",
                "--python",
                MELTANO_VENV / "bin" / "python",
                MELTANO_REQUIREMENT,
            ],
            what=f"uv pip install {MELTANO_REQUIREMENT}",
        )
        stamp.touch()
    return exe


def meltano_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_LOG_LEVEL": env.get("MELTANO_CLI_LOG_LEVEL", "warning"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("VIRTUAL_ENV", None)  # the project venv must not leak into plugin venvs
    env.update(extra or {})
    return env


def private_files() -> None:
    """Files created from here on are the user's alone (mode 0600, directories 0700).

    Meltano writes each plugin's generated config, token included, to `.meltano/run/<plugin>/` with the
    default umask (world-readable), and leaves it there when the run is killed; its state database and the
    DuckDB file hold the extracted data. Used as `preexec_fn` of every Meltano run started from here.
    """
    os.umask(0o077)


def meltano(
    *args: str, env: Mapping[str, str] | None = None, capture: bool = False, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """Run `meltano <args>` in the repo, creating private files; raise PipelineError when it fails."""
    cmd = [meltano_executable(), *args]
    return _run(
        cmd,
        what=f"meltano {args[0] if args else ''}".strip(),
        cwd=REPO,
        env=meltano_env(env),
        capture_output=capture,
        text=True,
        timeout=timeout,
        preexec_fn=private_files,
    )


def _plugins_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("meltano.yml", "pyproject.toml"):
        digest.update((REPO / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_plugins() -> None:
    """`meltano install` when meltano.yml or pyproject.toml changed since the last install."""
    meltano_executable()
    stamp = REPO / ".meltano" / "plugins-installed"
    fingerprint = _plugins_fingerprint()
    with _locked(INSTALL_LOCK):
        if stamp.exists() and stamp.read_text() == fingerprint:
            return
        log("meltano install (every plugin from PyPI)")
        meltano("install", env={"MELTANO_CLI_LOG_LEVEL": "warning"})
        stamp.write_text(fingerprint)


def sandbox_env(base_url: str, token: str) -> dict[str, str]:
    """What the `sandbox` Meltano environment reads to reach a running sandbox."""
    return {"ASANA_SANDBOX_URL": base_url, "ASANA_SANDBOX_TOKEN": token}


def python_json(python: Path, code: str, *args: str) -> Any:
    """Run `code` (which prints JSON) with another virtualenv's Python and return what it printed."""
    result = _run([python, "-c", code, *args], what=f"{python} -c", capture_output=True, text=True)
    return json.loads(result.stdout)


_DUCKDB_QUERY = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
out = []
for sql in json.loads(sys.argv[2]):
    rel = con.execute(sql)
    cols = [d[0] for d in rel.description]
    out.append([dict(zip(cols, row)) for row in rel.fetchall()])
print(json.dumps(out, default=str))
"""


def duckdb_queries(sqls: Sequence[str], db: Path = DUCKDB_PATH) -> list[list[dict[str, Any]]]:
    """Rows (as dicts) of each query, read with the duckdb of the dashboard plugin's virtualenv."""
    return python_json(DASHBOARD_PYTHON, _DUCKDB_QUERY, str(db), json.dumps(list(sqls)))


def duckdb_tables(schema: str, db: Path = DUCKDB_PATH) -> list[str]:
    rows = duckdb_queries(
        [f"select table_name from information_schema.tables where table_schema = '{schema}' order by 1"], db
    )[0]
    return [r["table_name"] for r in rows]


def row_counts(schema: str, db: Path = DUCKDB_PATH) -> dict[str, int]:
    tables = duckdb_tables(schema, db)
    if not tables:
        return {}
    sql = " union all ".join(f"select '{t}' as t, count(*) as n from {schema}.\"{t}\"" for t in tables)
    return {r["t"]: int(r["n"]) for r in duckdb_queries([sql], db)[0]}


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]  # fmt: skip


def chromium_command(url: str, *mode: str, window: str = "1400,1900") -> list[str]:
    """A headless Chromium run on `url` (`--screenshot=...` or `--dump-dom`) with a fresh profile."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise PipelineError("chromium is not installed (apt-get install chromium, or scripts/ci_services.sh)")
    profiles = OUTPUT / "chromium-profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="profile-", dir=profiles)
    return [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={window}",
            "--virtual-time-budget=5000", *mode, url]  # fmt: skip


if __name__ == "__main__":  # `python scripts/pipeline.py install`: the toolchain only
    if sys.argv[1:] == ["install"]:
        ensure_plugins()
    else:
        sys.exit("usage: pipeline.py install")
