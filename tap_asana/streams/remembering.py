"""Streams whose rows go with a deleted parent unannounced: remembered per parent (tap_asana/orphans.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tap_asana.orphans import Orphans
from tap_asana.streams.declarative import TableStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record


class RememberingStream(TableStream):
    """A stream whose rows are remembered per parent, for the tombstones of a parent's deletion."""

    def _orphans(self, context: Context | None) -> tuple[Orphans, str] | None:
        watch = getattr(self.asana_tap, "deletions", None)
        key = self.parent_key(context)
        if watch is None or key is None or context is None:
            return None
        return watch.orphans, str(context[key])

    def get_records(self, context: Context | None) -> Iterable[dict]:
        found = self._orphans(context)
        skipped = any((context or {}).get(k) is None for k in self.spec.requires) or self.partition_unchanged(
            context
        )
        if found is not None:
            found[0].visit(self.name, found[1])
        if found is None or skipped:
            yield from super().get_records(context)
            return
        orphans, parent = found
        orphans.reading(self.name, parent)
        refused = self.partitions_refused
        yield from super().get_records(context)
        # Reached only when every row was taken (and post-processed): a read cut short keeps what was kept.
        if self.partitions_refused == refused:
            orphans.finished(self.name, parent)
        elif (signals := getattr(self.asana_tap, "change_signals", None)) is not None:
            # Refused (400/402/403): nothing was read, so nothing is known to be gone, and the partition
            # must not pass for read under this run's events token either.
            signals.unread(self, context)

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        kept = super().post_process(row, context)
        found = self._orphans(context)
        if kept is not None and found is not None and kept.get("gid"):
            found[0].seen(self.name, found[1], str(kept["gid"]))
        return kept
