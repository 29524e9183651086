"""Webhook events: drains the queue `asana-webhooks serve` fills, at least once.

The bookmark is the queue's sequence number (it only grows). A run first deletes the events at or
below the bookmark of the state it was given, which the previous run emitted and the loader
confirmed, then emits the rest in sequence order. An event therefore leaves the queue only after a
state that covers it has been emitted and passed back; a run whose state was lost emits its events
again (same `event_id`, so a loader that upserts keeps one row). The state also names the queue
(`queue_id`), so a bookmark is never applied to a different or recreated queue file.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from asana_webhooks.queue import EventQueue, QueuedEvent, QueueError
from tap_asana.client import AsanaStream
from tap_asana.stream_schemas import stream_schema
from tap_asana.streams.declarative import StreamSpec, TableStream

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, Record

REPLICATION_KEY = "queue_seq"
QUEUE_SETTING = "webhook_queue"


def webhook_event_schema() -> dict[str, Any]:
    """The Events API's event (the generated `events` schema) plus where the queue got it."""
    event = copy.deepcopy(stream_schema("events"))
    fields = {name: prop for name, prop in event["properties"].items() if name != "gid"}
    for name in ("resource", "parent"):
        fields[name].setdefault("properties", {}).setdefault("resource_subtype", {"type": ["string", "null"]})
    return {
        "type": "object",
        "properties": {
            "event_id": {
                "type": "string",
                "description": "SHA-256 of the webhook path and the event: a replayed event has the same id.",
            },
            REPLICATION_KEY: {
                "type": "integer",
                "description": "Position in the receiver's queue (only grows); the stream's bookmark.",
            },
            "webhook_path": {
                "type": ["string", "null"],
                "description": "Path token of the webhook that delivered the event.",
            },
            "webhook_gid": {"type": ["string", "null"], "description": "Gid of that webhook."},
            "received_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the receiver stored the event.",
            },
            **fields,
        },
    }


class WebhookEventsStream(TableStream):
    """Events pushed by Asana's webhooks, read from the local queue (no API call)."""

    reads_api = False

    def __init__(self, tap: Tap) -> None:
        # Not TableStream's constructor: this schema is not one of the generated files.
        AsanaStream.__init__(self, tap=tap, name=self.spec.name, schema=webhook_event_schema(), path="")
        self._seen: set[str | None] = set()

    @property
    def selected(self) -> bool:
        """Runs only when `webhook_queue` is set (and the catalog selects it)."""
        return bool(self.config.get(QUEUE_SETTING)) and bool(self.mask.get((), True))

    @selected.setter
    def selected(self, value: bool | None) -> None:
        self.metadata.root.selected = value
        self._mask = self.metadata.resolve_selection()

    @property
    def is_sorted(self) -> bool:
        """Sequence order: the bookmark may advance record by record."""
        return True

    def get_records(self, context: Context | None) -> Iterable[dict]:
        path = self.config.get(QUEUE_SETTING)
        if not path:
            return
        try:
            queue = EventQueue(path, create=False)
        except QueueError as exc:
            self.logger.warning("%s; nothing to drain (is `asana-webhooks serve` writing there?)", exc)
            return
        with queue:
            after = self._drain_acknowledged(queue, self.get_context_state(context))
            last = queue.max_seq()
            self.logger.info("webhook queue: emitting events %d to %d", after + 1, last)
            for item in queue.read(after, last):
                yield _record(item, self.schema["properties"])

    def _drain_acknowledged(self, queue: EventQueue, state: dict[str, Any]) -> int:
        """Delete what the incoming state covers; the sequence number to read after."""
        bookmark = (
            state.get("replication_key_value") if state.get("replication_key") == REPLICATION_KEY else None
        )
        known = state.get("queue_id")
        state["queue_id"] = queue.queue_id
        if bookmark is None:
            return 0
        if not isinstance(bookmark, int) or known != queue.queue_id or bookmark > queue.max_seq():
            # A bookmark of another (or a recreated) queue must not delete what this one holds.
            self.logger.warning(
                "the state's webhook bookmark (%r) is not of the queue at %s: emitting all of it",
                bookmark,
                queue.path,
            )
            state.pop("replication_key_value", None)
            return 0
        deleted = queue.delete_through(bookmark)
        self.logger.info("webhook queue: %d events acknowledged by the state removed", deleted)
        return bookmark

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        return row


def _record(item: QueuedEvent, properties: dict[str, Any]) -> dict[str, Any]:
    """One event as a record: its own fields (those of the schema) and the queue's."""
    record = {key: value for key, value in item.event.items() if key in properties}
    record.update(
        event_id=item.event_id,
        queue_seq=item.seq,
        webhook_path=item.hook,
        webhook_gid=item.webhook_gid,
        received_at=item.received_at,
    )
    return record


SPECS = [
    StreamSpec(
        "webhook_events",
        "",
        keys=("event_id",),
        replication_key=REPLICATION_KEY,
        paginated=False,
        description="Events Asana's webhooks pushed to `asana-webhooks serve`, drained from its queue "
        "(setting `webhook_queue`); at least once, in the order received.",
        cls=WebhookEventsStream,
    ),
]
