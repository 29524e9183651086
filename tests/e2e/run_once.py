"""A costly result built once per test run, even when pytest-xdist spreads the tests needing it over workers.

`--dist load` hands tests out one by one, round robin, so the cases of one module fixture land on both
workers, and each worker would build the fixture again. Here the first worker to ask builds the result
under a file lock and leaves it as JSON, in the directory the run's workers share (the parent of each
worker's pytest base temp, which pytest prunes), for the others; a failure or a skip is left too, so it is
reported on every worker, not rebuilt.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def run_once(name: str, build: Callable[[], dict[str, Any]], tmp_path_factory: Any) -> dict[str, Any]:
    """`build()`'s JSON-able result, built by the first worker of this run that asks for `name`."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build()
    base: Path = tmp_path_factory.getbasetemp().parent / name
    with open(f"{base}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result_path = Path(f"{base}.json")
        if result_path.exists():
            saved = json.loads(result_path.read_text())
            if "skip" in saved:
                pytest.skip(saved["skip"])
            if "error" in saved:
                pytest.fail(f"{name}, built on another worker, failed: {saved['error']}", pytrace=False)
            return saved["result"]
        try:
            result = build()
        except pytest.skip.Exception as exc:
            result_path.write_text(json.dumps({"skip": str(exc.msg)}))
            raise
        except BaseException as exc:
            result_path.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:4000]}))
            raise
        result_path.write_text(json.dumps({"result": result}))
        return result
