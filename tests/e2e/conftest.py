"""End-to-end fixtures: the Meltano toolchain, isolated runs, a throwaway PostgreSQL, headless Chromium.

Every run gets its own Meltano system database (state), DuckDB file and dbt target directory, so tests can
run side by side (pytest-xdist) and never touch `make demo`'s `output/asana.duckdb` or its state.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import pipeline  # noqa: E402

CI_SERVICES = REPO / "scripts" / "ci_services.sh"
E2E_OUTPUT = REPO / "output" / "e2e"
# Functional runs: the throttle has its own tests; a realistic budget would only make these slower.
FAST_TAP_ENV = {"TAP_ASANA_REQUESTS_PER_MINUTE": "1000000", "TAP_ASANA_MAX_CONCURRENT_REQUESTS": "10"}


@pytest.fixture(scope="session")
def meltano_plugins() -> None:
    """`.venv-meltano` and every plugin of meltano.yml, installed once (and only when they changed)."""
    pipeline.ensure_plugins()


@dataclass
class MeltanoRun:
    """Isolated Meltano invocations: own system directory, state database, DuckDB file and dbt target."""

    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def duckdb_path(self) -> Path:
        return self.workdir / "asana.duckdb"

    def __call__(self, *args: str, stdin: str | None = None, **extra_env: str) -> subprocess.CompletedProcess:
        env = pipeline.meltano_env({**self.env, **extra_env, "MELTANO_CLI_LOG_LEVEL": "info"})
        result = subprocess.run(
            [str(pipeline.meltano_executable()), *args],
            cwd=REPO,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            preexec_fn=pipeline.private_files,
        )
        log = self.workdir / f"meltano-{'-'.join(a.replace(':', '_') for a in args[:3])}.log"
        log.write_text(result.stdout + result.stderr)
        assert result.returncode == 0, f"meltano {' '.join(args)} failed; log {log}:\n{result.stderr[-6000:]}"
        return result


def _workdir(name: str) -> Path:
    # Under the repo's output/ (git-ignored), where the logs are easy to find.
    path = E2E_OUTPUT / f"{name}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def _sys_dir(workdir: Path) -> Path:
    """A Meltano system directory of this run's own: Meltano writes each plugin's generated config and
    catalog under `<sys dir>/run/<plugin>/`, which two runs side by side would overwrite for each other.
    The installed plugins are shared (symlinks), so nothing is installed again."""
    sys_dir = workdir / "meltano-sys"
    sys_dir.mkdir()
    for kind in ("extractors", "loaders", "utilities", "transformers", "mappers", "orchestrators"):
        if (shared := REPO / ".meltano" / kind).is_dir():
            (sys_dir / kind).symlink_to(shared, target_is_directory=True)
    return sys_dir


def isolated_run(name: str) -> MeltanoRun:
    workdir = _workdir(name)
    duckdb_path = workdir / "asana.duckdb"
    return MeltanoRun(
        workdir,
        {
            "MELTANO_SYS_DIR_ROOT": str(_sys_dir(workdir)),
            "MELTANO_ENVIRONMENT": "sandbox",
            "MELTANO_DATABASE_URI": f"sqlite:///{workdir / 'meltano.db'}",
            "TARGET_DUCKDB_FILEPATH": str(duckdb_path),
            "DBT_DUCKDB_PATH": str(duckdb_path),
            "DBT_TARGET_PATH": str(workdir / "dbt-target"),
            "DBT_LOG_PATH": str(workdir / "dbt-logs"),
            "DASHBOARD_DATABASE": str(duckdb_path),
            "DASHBOARD_OUTPUT": str(workdir / "dashboard" / "index.html"),
            "TARGET_JSONL_DESTINATION_PATH": str(workdir / "jsonl"),
            **FAST_TAP_ENV,
        },
    )


@pytest.fixture
def meltano_run(meltano_plugins: None, request: pytest.FixtureRequest) -> Iterator[MeltanoRun]:
    """A MeltanoRun in its own work directory (kept when KEEP_E2E_OUTPUT is set)."""
    run = isolated_run(request.node.name[:40].replace("[", "-").replace("]", ""))
    yield run
    if not os.environ.get("KEEP_E2E_OUTPUT"):
        shutil.rmtree(run.workdir, ignore_errors=True)


# -- Debian services ---------------------------------------------------------------------------------
def _install_services(what: str) -> None:
    """Install PostgreSQL and Chromium from Debian when we may (root or CI); skip, saying why, otherwise."""
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip(f"{what} is not installed and this is neither root nor CI: run `sudo {CI_SERVICES}`")
    subprocess.run(["bash", str(CI_SERVICES)], check=True, timeout=900)


def _postgres_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    password: str
    database: str
    bindir: Path

    def psql(self, sql: str) -> list[list[str]]:
        """Rows of a query, as lists of strings (NULL as '')."""
        result = subprocess.run(
            [str(self.bindir / "psql"), "-h", self.host, "-p", str(self.port), "-U", self.user,
             "-d", self.database, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return [line.split("\t") for line in result.stdout.splitlines()]

    def target_env(self) -> dict[str, str]:
        return {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": self.password,
            "TARGET_POSTGRES_DATABASE": self.database,
            "DBT_POSTGRES_HOST": self.host,
            "DBT_POSTGRES_PORT": str(self.port),
            "DBT_POSTGRES_USER": self.user,
            "DBT_POSTGRES_PASSWORD": self.password,
            "DBT_POSTGRES_DBNAME": self.database,
        }


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl) on a free loopback port, removed afterwards."""
    if _postgres_bindir() is None:
        _install_services("PostgreSQL")
    bindir = _postgres_bindir()
    assert bindir is not None, "PostgreSQL binaries not found under /usr/lib/postgresql after install"
    # initdb refuses to run as root: run the server as the `postgres` user the Debian package creates, in its
    # home (the checkout may sit in a directory that user cannot enter).
    as_user: list[str] = []
    if os.geteuid() == 0:
        home = Path("/var/lib/postgresql")
        workdir = Path(tempfile.mkdtemp(prefix="asana-e2e-", dir=home if home.is_dir() else "/var/tmp"))
        shutil.chown(workdir, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    else:
        workdir = _workdir("postgres")
    data = workdir / "data"
    pwfile = workdir / "pwfile"
    password = uuid.uuid4().hex
    pwfile.write_text(password + "\n")
    if as_user:
        shutil.chown(pwfile, "postgres")
    port = _free_port()
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
         "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(workdir / "server.log"),
         "-w", "-t", "60", "-o", f"-c listen_addresses=127.0.0.1 -c port={port} "
         f"-c unix_socket_directories='{workdir}' -c fsync=off", "start"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    server = Postgres("127.0.0.1", port, "postgres", password, "postgres", bindir)
    try:
        server.psql("create database asana")
        server.database = "asana"
        yield server
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False, capture_output=True, timeout=60,
        )  # fmt: skip
        if not os.environ.get("KEEP_E2E_OUTPUT"):
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's headless-capable Chromium (installed by scripts/ci_services.sh when missing)."""
    found = shutil.which("chromium")
    if found is None:
        _install_services("Chromium")
        found = shutil.which("chromium")
    assert found, "chromium not found after install"
    return found
