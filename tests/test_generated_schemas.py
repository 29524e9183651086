"""Checks on the committed, generated stream schemas (see scripts/generate_schemas.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILES = sorted((REPO_ROOT / "schemas").glob("*.json"))
SPEC = REPO_ROOT.parent / "shared" / "reference" / "asana_oas.yaml"
GENERATOR = REPO_ROOT / "scripts" / "generate_schemas.py"


def test_schemas_exist() -> None:
    assert SCHEMA_FILES, "no schemas/*.json; run scripts/generate_schemas.py"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.stem)
def test_schema_is_valid_draft7_with_keys(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema["properties"]["gid"] == {"type": "string"}
    assert "resource_type" in schema["properties"]


def test_tasks_modified_at_is_date_time() -> None:
    tasks = json.loads((REPO_ROOT / "schemas" / "tasks.json").read_text(encoding="utf-8"))
    modified_at = tasks["properties"]["modified_at"]
    assert modified_at["format"] == "date-time"
    assert "null" in modified_at["type"]


def test_generator_check_is_clean() -> None:
    if not SPEC.exists():
        pytest.skip(f"official spec not present: {SPEC}")
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check", "--spec", str(SPEC)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"generated files are stale:\n{result.stdout}{result.stderr}"
