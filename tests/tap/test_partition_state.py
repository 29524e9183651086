"""The indexed state manager gives the partition states the SDK's state manager gives, in every case."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from singer_sdk.streams._state import StreamStateManager

from tap_asana.partition_state import IndexedStateManager


def _managers(state: dict, keys: list[str] | None = None) -> tuple[StreamStateManager, IndexedStateManager]:
    sdk_state = copy.deepcopy(state)
    options: dict[str, Any] = {"stream_name": "tasks", "state_partitioning_keys": keys}
    return (
        StreamStateManager(tap_state=sdk_state, **options),
        IndexedStateManager(tap_state=state, **options),
    )


def test_a_random_run_of_reads_writes_and_replacements_matches_the_sdk() -> None:
    rng = random.Random(12)
    sdk, ours = _managers({})
    for step in range(3000):
        context = {"project_gid": str(rng.randrange(60))}
        if rng.random() < 0.3:
            context["assignee_gid"] = str(rng.randrange(5))
        expected, got = sdk.get_context_state(context), ours.get_context_state(context)
        assert got == expected
        value = f"2026-12-04T00:{step % 60:02d}:00Z"
        expected["replication_key_value"] = got["replication_key_value"] = value
        if step % 500 == 499:  # the whole list replaced (a state reset, a resumed state)
            for manager in (sdk, ours):
                bookmark = manager.tap_state["bookmarks"]["tasks"]
                bookmark["partitions"] = [dict(p) for p in bookmark["partitions"][::2]]
        assert ours.tap_state == sdk.tap_state


def test_an_entry_changed_in_place_is_never_returned_for_another_partition() -> None:
    _, ours = _managers({})
    first = ours.get_context_state({"project_gid": "1"})
    first["replication_key_value"] = "a"
    ours.get_context_state({"project_gid": "2"})
    first["context"] = {"project_gid": "3"}  # same list, same length: the index alone cannot see it
    again = ours.get_context_state({"project_gid": "1"})
    assert again is not first
    assert again == {"context": {"project_gid": "1"}}
    assert ours.get_context_state({"project_gid": "3"}) is first


def test_partitions_from_a_given_state_are_found() -> None:
    state = {
        "bookmarks": {
            "tasks": {
                "partitions": [
                    {"context": {"project_gid": "1"}, "replication_key_value": "x"},
                    {"context": {"project_gid": "2", "assignee_gid": "9"}, "replication_key_value": "y"},
                ]
            }
        }
    }
    sdk, ours = _managers(state)
    for context in ({"assignee_gid": "9", "project_gid": "2"}, {"project_gid": "1"}):
        assert (
            ours.get_context_state(context)
            is state["bookmarks"]["tasks"]["partitions"][0 if context == {"project_gid": "1"} else 1]
        )
        assert ours.get_context_state(context) == sdk.get_context_state(context)


def test_duplicate_partitions_are_refused_as_the_sdk_refuses_them() -> None:
    entry = {"context": {"project_gid": "1"}}
    state = {"bookmarks": {"tasks": {"partitions": [entry, dict(entry)]}}}
    sdk, ours = _managers(state)
    for manager in (sdk, ours):
        with pytest.raises(ValueError, match="duplicate entries"):
            manager.get_context_state({"project_gid": "1"})


def test_state_partitioning_keys_and_unhashable_contexts_behave_as_in_the_sdk() -> None:
    sdk, ours = _managers({}, keys=["project_gid"])
    context = {"project_gid": "1", "tags": ["a"]}
    assert (
        ours.get_context_state(context) == sdk.get_context_state(context) == {"context": {"project_gid": "1"}}
    )
    sdk, ours = _managers({})
    assert ours.get_context_state(context) == sdk.get_context_state(context)
    assert ours.get_context_state(context) is ours.tap_state["bookmarks"]["tasks"]["partitions"][0]
    assert ours.get_context_state(None) is ours.tap_state["bookmarks"]["tasks"]


def test_the_streams_use_it() -> None:
    from tap_asana.tap import TapAsana

    tap = TapAsana(
        config={"access_token": "x", "api_url": "http://127.0.0.1:9/api/1.0"}, validate_config=False
    )
    assert all(isinstance(stream.state_manager, IndexedStateManager) for stream in tap.streams.values())
