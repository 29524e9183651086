"""What the sandbox holds, per tap stream: the expected row counts, and a hand-written Singer stream of it.

The Singer stream (SCHEMA from the committed `schemas/`, one RECORD per stored object, a STATE) checks a
loader on its own, with no tap involved: every object the sandbox stores must come out as one row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from asana_sandbox.store import Store
from tap_asana.stream_schemas import stream_schema
from tests.tap.expected import RESOURCE_TYPES

# Tap stream -> sandbox resource type (every stream but portfolio_items, which lists portfolios' items).
STREAM_RESOURCE_TYPES: dict[str, str] = RESOURCE_TYPES
STREAMS = sorted([*STREAM_RESOURCE_TYPES, "portfolio_items"])


def _portfolio_items(store: Store) -> Iterator[dict[str, Any]]:
    for portfolio in store.all("portfolio"):
        for item in portfolio.get("_items") or []:
            yield {**item, "portfolio_gid": portfolio["gid"]}


def stream_records(store: Store, stream: str) -> list[dict[str, Any]]:
    if stream == "portfolio_items":
        return list(_portfolio_items(store))
    return [
        {k: v for k, v in record.items() if not k.startswith("_")}
        for record in store.all(STREAM_RESOURCE_TYPES[stream])
    ]


# Asana answers 402 for these on a free workspace (the sandbox's tier gates), so a tap cannot read them there.
PREMIUM_STREAMS = {"goals", "time_tracking_entries", "allocations", "access_requests", "project_briefs"}


def _workspace_of(store: Store, record: dict[str, Any], depth: int = 0) -> str | None:
    """The workspace an object lives in: its own reference, else that of the object it belongs to."""
    if record.get("resource_type") == "workspace":
        return record["gid"]
    for key in ("workspace", "_workspace"):
        ref = record.get(key)
        if isinstance(ref, dict) and ref.get("gid"):
            return ref["gid"]
        if isinstance(ref, str):
            return ref
    if depth < 5:
        for key in ("project", "parent", "task", "target", "portfolio", "supported_goal", "assignee"):
            ref = record.get(key)
            owner = store.get(ref["gid"]) if isinstance(ref, dict) and ref.get("gid") else None
            if owner is not None:
                return _workspace_of(store, owner, depth + 1)
    return None


def api_visible(store: Store, stream: str, record: dict[str, Any]) -> bool:
    if stream == "access_requests" and record.get("approval_status") != "pending":
        return False  # Asana lists pending access requests only
    if stream in PREMIUM_STREAMS:
        workspace = store.get(_workspace_of(store, record) or "")
        return workspace is None or workspace.get("_tier", "free") != "free"
    return True


def stored_counts(store: Store) -> dict[str, int]:
    """Objects the store holds per stream (what a hand-written stream of it carries)."""
    return {stream: len(stream_records(store, stream)) for stream in STREAMS}


def expected_counts(store: Store) -> dict[str, int]:
    """Rows each stream's table must hold after a full extract: what Asana's API lets a token read."""
    return {
        stream: sum(
            1 for record in store.all(STREAM_RESOURCE_TYPES[stream]) if api_visible(store, stream, record)
        )
        if stream != "portfolio_items"
        else len(stream_records(store, stream))
        for stream in STREAMS
    }


def singer_messages(store: Store) -> Iterator[str]:
    """SCHEMA, RECORDs and a STATE per stream, as a tap would write them."""
    for stream in STREAMS:
        keys = ["portfolio_gid", "gid"] if stream == "portfolio_items" else ["gid"]
        schema = stream_schema(stream, ["portfolio_gid"] if stream == "portfolio_items" else [])
        props = schema["properties"]
        yield json.dumps({"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": keys})
        for record in stream_records(store, stream):
            row = {k: v for k, v in record.items() if k in props}
            yield json.dumps({"type": "RECORD", "stream": stream, "record": row})
    yield json.dumps({"type": "STATE", "value": {"bookmarks": {"store_streams": {"done": True}}}})


def in_project_trees(store: Any) -> set[str]:
    """gids of the tasks in a project, or under one at any depth: the tasks whose deletion a project's events
    report (a subtask's own `projects` is usually empty, so its tombstone carries no project_gid)."""
    tasks = {t["gid"]: t for t in store.all("task")}

    def rooted(task: dict) -> bool:
        while not task["projects"] and task.get("parent") and task["parent"]["gid"] in tasks:
            task = tasks[task["parent"]["gid"]]
        return bool(task["projects"])

    return {gid for gid, task in tasks.items() if rooted(task)}
