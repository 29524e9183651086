"""Datasets the sandbox starts from: generated `demo` and `bench`, or records from a JSON file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from .generator import generate

DATASETS = ("demo", "bench")

__all__ = ["DATASETS", "UnknownDatasetError", "load_dataset"]


class UnknownDatasetError(ValueError):
    """The dataset name is neither a built-in dataset nor a readable JSON file of records."""


def load_dataset(
    name_or_path: str, seed: int = 42, reference_date: date | None = None
) -> list[dict[str, Any]]:
    """Records of a built-in dataset or of a JSON file.

    A built-in dataset's dates lie in the weeks before `reference_date` (default: today in UTC) and a little
    after (due dates, vacations); it is deterministic for a (seed, reference date) pair.
    The file holds a list of records or `{"records": [...]}`; anything else raises UnknownDatasetError.
    """
    if name_or_path in DATASETS:
        return generate(name_or_path, seed, reference_date)
    hint = f"use {', '.join(DATASETS[:-1])} or {DATASETS[-1]}, or a path to a JSON file of records"
    path = Path(name_or_path)
    if not path.is_file():
        raise UnknownDatasetError(f"unknown dataset {name_or_path!r}: {hint}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnknownDatasetError(f"cannot read dataset file {name_or_path!r} ({exc}): {hint}") from exc
    records = data.get("records") if isinstance(data, dict) else data
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and isinstance(r.get("resource_type"), str) for r in records
    ):
        raise UnknownDatasetError(
            f"dataset file {name_or_path!r} holds no list of records with a resource_type: {hint}"
        )
    return records
