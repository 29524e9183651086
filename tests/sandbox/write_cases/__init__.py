"""Write operations exercised by the spec conformance test, one module of cases per domain.

Each domain module (`tasks.py`, `projects.py`, ...) defines `CASES: list[WriteCase]`. The conformance test
(`tests/sandbox/test_write_conformance.py`) runs every case against a fresh enterprise demo sandbox, checks
the request body against the spec's request schema and the answer against the response schema of its
status, and checks that every write operation of the spec has at least one case.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asana_sandbox.store import Store


@dataclass(frozen=True)
class WriteRequest:
    """A concrete request: the path under /api/1.0 (gids filled in), a JSON body or a multipart form."""

    path: str
    body: dict[str, Any] | None = None
    query: dict[str, str] = field(default_factory=dict)
    files: dict[str, Any] | None = None  # multipart uploads (attachments): passed to requests as `files`
    form: dict[str, str] | None = None  # form fields sent with `files`


@dataclass(frozen=True)
class WriteCase:
    """One call of a write operation.

    `operation` is `"<METHOD> <spec path template>"`, e.g. `"POST /tasks/{task_gid}/addTag"`.
    `build` picks gids from the sandbox's store (read only; do not mutate it) and returns the request.
    `status` is the status the sandbox must answer (201 for creates, 200 otherwise, or an error status for a
    case that checks an error body against the spec).
    """

    operation: str
    build: Callable[[Store], WriteRequest]
    status: int = 200
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.operation} {self.name}".strip()


def all_cases() -> list[WriteCase]:
    """Every case of every domain module in this package."""
    cases: list[WriteCase] = []
    for module in pkgutil.iter_modules(__path__):
        cases.extend(importlib.import_module(f"{__name__}.{module.name}").CASES)
    return cases
