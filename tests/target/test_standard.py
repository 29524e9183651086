"""The Singer SDK's standard target tests.

Their streams (array_data, camelcase...) are not Asana objects, so target-asana accepts and skips them
(one summary line each) and no request is made: the suite checks the Singer protocol side (schemas,
states relayed, records before schemas, invalid schemas). One test differs by design: a record missing
its key property is written to the rejects file with the reason instead of failing the whole run.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from singer_sdk.testing import get_target_test_class

from target_asana.target import TargetAsana
from tests.target.target_runner import run_target

REJECTS = Path("output") / "test-standard-rejects.jsonl"
CONFIG = {
    "access_token": "unused-token",
    # Nothing listens here: the standard streams are skipped without a request.
    "api_url": "http://127.0.0.1:9/api/1.0",
    "rejects_file": str(REJECTS),
}

_Standard = get_target_test_class(TargetAsana, config=CONFIG)


class TestTargetAsanaStandard(_Standard):  # type: ignore[misc,valid-type]
    """The standard suite, with the one deliberate difference below."""

    def test_target_record_missing_key_property(self) -> None:  # type: ignore[override]
        """Replaces the SDK's test (which expects the run to fail): the run goes on, no state is lost."""
        streams = resources.files("singer_sdk.testing") / "target_test_streams"
        lines = (streams / "record_missing_key_property.singer").read_text().splitlines()
        result = run_target({**CONFIG, "rejects_file": str(REJECTS)}, lines)
        assert result.exit_code == 0
        assert result.streams["test_record_missing_key_property"]["skipped"] >= 1


def test_a_record_missing_its_key_property_is_rejected_not_fatal(tmp_path: Path) -> None:
    config = {**CONFIG, "rejects_file": str(tmp_path / "rejects.jsonl")}
    schema = {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"}}}
    messages = [
        {"type": "SCHEMA", "stream": "tasks", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "tasks", "record": {"title": "no id"}},
    ]
    result = run_target(config, messages)
    assert result.exit_code == 0 and result.totals["rejected"] == 1
    line = json.loads((tmp_path / "rejects.jsonl").read_text())
    assert line == {"stream": "tasks", "reason": "missing key properties: id", "record": {"title": "no id"}}
