"""A stream's state manager that finds a partition's state by lookup instead of a scan.

The SDK finds the state of a partition by comparing its context with every entry of the stream's
`partitions` list, and it does so for every record (to advance the bookmark). With one partition per
project and per assignee (hundreds in a large workspace) that scan cost several percent of the tap's CPU.
`IndexedStateManager` keeps an index from context to entry next to the list. The list stays the only
truth: the index is rebuilt whenever the list is another object or has another length than when it was
built, and each hit is checked against the entry's context, so an entry changed in place is never
returned for the wrong partition. Duplicate contexts in a state are left to the SDK, which refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from singer_sdk.helpers._state import get_writeable_state_dict
from singer_sdk.streams._state import StreamStateManager


def _key(context: Mapping[str, Any]) -> tuple[tuple[str, Any], ...] | None:
    """A hashable form of a context, or None for one with unhashable values (left to the SDK)."""
    try:
        key = tuple(sorted(context.items()))
        hash(key)
    except TypeError:
        return None
    return key


class IndexedStateManager(StreamStateManager):
    """The SDK's `StreamStateManager` with partition states found through an index."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._indexed: list[dict] | None = None
        self._indexed_length = 0
        self._index: dict[tuple[tuple[str, Any], ...], dict] = {}

    def get_context_state(self, context: Mapping[str, Any] | None) -> dict:
        """The writable state of `context`'s partition (created if missing), as the SDK's method gives it."""
        partition_context = self.get_state_partition_context(context)
        if not partition_context:
            return self.stream_state
        key = _key(partition_context)
        partitions = self.stream_state.get("partitions")
        if key is not None and isinstance(partitions, list):
            if partitions is not self._indexed or len(partitions) != self._indexed_length:
                self._reindex(partitions)
            found = self._index.get(key)
            if found is not None and found.get("context") == partition_context:
                return found
        state = get_writeable_state_dict(
            self.tap_state, self.stream_name, state_partition_context=partition_context
        )
        if key is not None:
            self._reindex(self.stream_state["partitions"])
        return state

    def _reindex(self, partitions: list[dict]) -> None:
        index: dict[tuple[tuple[str, Any], ...], dict] = {}
        for entry in partitions:
            context = entry.get("context") if isinstance(entry, dict) else None
            key = _key(context) if isinstance(context, dict) else None
            if key is None or key in index:
                # Something the SDK must judge (a duplicate, a malformed entry): no index, the SDK's scan.
                index = {}
                break
            index[key] = entry
        self._index = index
        self._indexed = partitions
        self._indexed_length = len(partitions)
