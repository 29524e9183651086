"""Write cases for the Batch API."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.helpers import workspace
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _actions(store: Store) -> list[dict]:
    acme = workspace(store)["gid"]
    task = next(t for t in store.all("task") if t.get("projects"))
    return [
        {"method": "get", "relative_path": f"/tasks/{task['gid']}", "options": {"fields": ["name"]}},
        {"method": "post", "relative_path": "/tags", "data": {"name": "Batched", "workspace": acme}},
        {"method": "put", "relative_path": f"/tasks/{task['gid']}", "data": {"notes": "From a batch"}},
        {"method": "get", "relative_path": "/tasks/1"},
    ]


CASES = [
    WriteCase("POST /batch", lambda s: WriteRequest("/batch", {"data": {"actions": _actions(s)}})),
    WriteCase("POST /batch", lambda s: WriteRequest("/batch", {"data": {"actions": []}}), 400, "no actions"),
    WriteCase(
        "POST /batch",
        lambda s: WriteRequest("/batch", {"data": {"actions": _actions(s) * 3}}),
        400,
        "more than 10 actions",
    ),
]
