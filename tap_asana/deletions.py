"""Deletions of every kind, from each workspace's events: tombstones for the streams whose lists just stop
returning a deleted object.

Asana's lists never say that something was deleted. The workspace's Events API
(`GET /workspaces/{gid}/events?sync=`) does: each event whose `action` is `deleted` names the object (or
`removed`, for what exists only within its parent: a comment removed from its task). At the start of a
run the tap reads the events since the token it kept (one call per 1,000 events); at the end it emits,
into each selected stream, a tombstone per deleted object: its gid, `resource_type` and `_sdc_deleted_at`
(the time of the deletion). A later `undeleted` cancels a deletion still pending; a restored story or
attachment (which an incremental stream would not read again) is fetched and emitted. The new token is
stored in the `workspaces` stream's state only after the tombstones are written (at-least-once). The
first run, and a run after the token expired (Asana keeps them for a day), gets a 412 with a new token
and no events; the next one starts from there. An expired token is logged as a warning: deletions during
the gap are not known, except for tasks in projects (their own events) and full-table streams
(ACTIVATE_VERSION, on loaders that use it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from asana_client.errors import AccessDeniedError, NotFoundError, SyncTokenExpiredError
from asana_client.timestamps import format_timestamp
from tap_asana.client import AsanaStream, Route
from tap_asana.orphans import ORPHAN_STREAMS, Orphans
from tap_asana.orphans import STATE_KEY as ORPHANS_KEY

if TYPE_CHECKING:
    from singer_sdk import Tap

DELETED_AT = "_sdc_deleted_at"
STATE_KEY = "deletions_sync"
#: resource_type of an event -> the stream its records live in.
STREAMS_BY_TYPE: dict[str, str] = {
    "task": "tasks",
    "story": "stories",
    "attachment": "attachments",
    "section": "sections",
    "tag": "tags",
    "project": "projects",
    "portfolio": "portfolios",
    "goal": "goals",
    "goal_relationship": "goal_relationships",
    "status_update": "status_updates",
    "project_brief": "project_briefs",
    "custom_field": "custom_fields",
    "custom_field_setting": "custom_field_settings",
    "project_status": "project_statuses",
    "project_portfolio_setting": "project_portfolio_settings",
    # `/memberships` objects (resource_type `membership`, subtype project_/portfolio_/goal_membership): the
    # sandbox logs one next to its legacy twin (`project_membership`...) when either goes.
    "membership": "memberships",
    "project_membership": "project_memberships",
    "portfolio_membership": "portfolio_memberships",
    "team_membership": "team_memberships",
    "workspace_membership": "workspace_memberships",
    "time_tracking_entry": "time_tracking_entries",
    "allocation": "allocations",
    "budget": "budgets",
    "rate": "rates",
}
#: A project or portfolio `removed` from a portfolio leaves that portfolio's items: the row keyed by both.
ITEMS_STREAM = "portfolio_items"
ITEM_TYPES = frozenset({"project", "portfolio"})
DELETABLE_STREAMS = frozenset({*STREAMS_BY_TYPE.values(), *ORPHAN_STREAMS})
#: Objects that exist only within their parent: Asana reports their deletion as `removed` from it (a comment
#: deleted from its task). A task or project `removed` from a project or portfolio still exists.
REMOVED_IS_DELETED = frozenset(
    {
        "story",
        "attachment",
        "goal_relationship",
        "membership",
        "project_membership",
        "portfolio_membership",
        "team_membership",
    }
)
#: Restored objects that an incremental stream would not read again, and where to read them.
RESTORABLE: dict[str, tuple[str, str, str]] = {
    # resource_type -> (path, context key of the stream, field of the record that holds the parent)
    "story": ("/stories/{gid}", "task_gid", "target"),
    "attachment": ("/attachments/{gid}", "task_gid", "parent"),
}


def deleted_at_property() -> dict[str, Any]:
    """The schema of the column a tombstone fills."""
    return {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "When the object was deleted in Asana (set only on a deleted object's tombstone).",
    }


class DeletionWatch:
    """Reads the workspaces' events before the run and writes the tombstones after it."""

    def __init__(self, tap: Tap, workspaces: Iterable[str]) -> None:
        self.tap = tap
        self.workspaces = list(workspaces)
        self.deleted: dict[str, dict[str, str | None]] = defaultdict(dict)  # type -> gid -> deleted at
        self.restored: dict[str, set[str]] = defaultdict(set)
        #: (portfolio gid, item gid, item type) -> when the item left the portfolio (removed from it, or
        #: deleted: a project or portfolio deleted is `removed` from the portfolios holding it first).
        self.unlisted: dict[tuple[str, str, str], str | None] = {}
        #: The rows a deleted parent takes along unannounced (a portfolio's items, access requests).
        self.orphans = Orphans()
        #: Whether `read` loaded the remembered rows from the state (only then are they written back).
        self.loaded = False
        self.next_tokens: dict[str, str] = {}
        #: Workspaces whose events were read from a kept token: every deletion since the last run is known.
        self.tracked: set[str] = set()
        #: (resource type, action, parent's resource type) of every event read this run: what changed, for
        #: the streams that rest between reads (tap_asana/refresh_pacing.py).
        self.event_shapes: set[tuple[str, str, str | None]] = set()
        #: Workspaces that got a first token (a 412: no events to process) kept in the state at once, so a
        #: run that dies leaves the next one every deletion since this run started.
        self.kept_from_start: set[str] = set()

    @property
    def reader(self) -> AsanaStream:
        stream = self.tap.streams["workspaces"]
        if not isinstance(stream, AsanaStream):
            raise TypeError("the workspaces stream is not an Asana stream")
        return stream

    def wanted(self) -> bool:
        """Whether any selected stream can receive tombstones from the workspace events."""
        return any(s.selected for name, s in self.tap.streams.items() if name in DELETABLE_STREAMS)

    def read(self) -> None:
        """The events of each workspace since the token in the state; deletions and restorations kept."""
        state = self.reader.get_context_state(None)
        tokens = state.get(STATE_KEY) or {}
        self.orphans.load(state.get(ORPHANS_KEY))
        self.loaded = True
        for workspace in self.workspaces:
            self._read(workspace, tokens.get(workspace) if isinstance(tokens, dict) else None)

    def keep_first_tokens(self) -> bool:
        """Keep in the state now the tokens of workspaces that had none (or an expired one): there is nothing
        to write for them at the end, so nothing to lose by keeping them early. Returns whether any was."""
        fresh = {w: t for w, t in self.next_tokens.items() if w not in self.tracked}
        if not fresh:
            return False
        state = self.reader.get_context_state(None)
        kept = state.get(STATE_KEY)
        state[STATE_KEY] = {**(kept if isinstance(kept, dict) else {}), **fresh}
        self.kept_from_start.update(fresh)
        return True

    def known_from_start(self, workspace: str | None) -> bool:
        """Whether every deletion in the workspace since this run started will be known to the next run,
        even if this one dies (its events token was kept before any record)."""
        return workspace in self.tracked or workspace in self.kept_from_start

    def _read(self, workspace: str, token: str | None) -> None:
        route_path = f"/workspaces/{workspace}/events"
        while True:
            params = {"sync": token} if token else {}
            try:
                route = Route(route_path, params, paginated=False, fields=False)
                page = self.reader.request_json(route, None)
            except SyncTokenExpiredError as exc:
                if token is not None:
                    self.tap.logger.warning(
                        "Workspace %s: events sync token expired (Asana keeps them a day): deletions since "
                        "the last run are not known, except for tasks in projects; starting again from now",
                        workspace,
                    )
                if exc.sync_token:
                    self.next_tokens[workspace] = exc.sync_token
                return
            except (AccessDeniedError, NotFoundError) as exc:
                # Asana serves a workspace's events to an Enterprise+ Service Account only.
                self.tap.logger.info(
                    "Workspace %s: no workspace events (%s; they need an Enterprise+ Service Account token): "
                    "deleted tasks in projects come from their projects' events, other deletions from "
                    "full-table re-reads (ACTIVATE_VERSION)",
                    workspace,
                    exc,
                )
                return
            if token is not None:
                self.tracked.add(workspace)
            for event in page.get("data") or []:
                self._note(event)
            token = page.get("sync") or token
            if token:
                self.next_tokens[workspace] = token
            if not page.get("has_more"):
                return

    def _note(self, event: dict[str, Any]) -> None:
        resource = event.get("resource") or {}
        kind, gid = resource.get("resource_type"), resource.get("gid")
        if isinstance(kind, str):
            parent = (event.get("parent") or {}).get("resource_type")
            self.event_shapes.add(
                (kind, str(event.get("action")), parent if isinstance(parent, str) else None)
            )
        if kind not in STREAMS_BY_TYPE or not gid:
            return
        action = event.get("action")
        self._note_item(event, kind, gid)
        if action == "deleted" or (action == "removed" and kind in REMOVED_IS_DELETED):
            self.deleted[kind][gid] = event.get("created_at")
            self.restored[kind].discard(gid)
        elif action == "undeleted" and self.deleted[kind].pop(gid, False) is False:
            self.restored[kind].add(gid)  # deleted before the last run: the tombstone went out then
        elif action == "added":
            self.deleted[kind].pop(gid, None)  # removed and put back (a membership) within the window

    def _note_item(self, event: dict[str, Any], kind: str, gid: str) -> None:
        """A project or portfolio leaving (or joining again) a portfolio's items."""
        parent = event.get("parent") or {}
        if kind not in ITEM_TYPES or parent.get("resource_type") != "portfolio" or not parent.get("gid"):
            return
        key = (parent["gid"], gid, kind)
        if event.get("action") == "removed":
            self.unlisted[key] = event.get("created_at")
        elif event.get("action") == "added":
            self.unlisted.pop(key, None)

    def emit(self) -> int:
        """Write the tombstones (and restored objects) into their streams, then put the new tokens and the
        remembered rows into the state (the caller writes it). Returns the number of tombstones written."""
        written = 0
        for kind, gids in self.deleted.items():
            stream = self.tap.streams.get(STREAMS_BY_TYPE[kind])
            if stream is None or not stream.selected or not gids:
                continue
            # The tasks stream writes the tombstones of tasks in projects itself.
            already: set[str] = getattr(stream, "tombstoned", set())
            todo = {gid: at for gid, at in gids.items() if gid not in already}
            if not todo:
                continue
            stream._write_schema_message()
            for gid, at in sorted(todo.items()):
                when = at or format_timestamp(datetime.now(timezone.utc))
                record = {"gid": gid, "resource_type": kind, DELETED_AT: when}
                if stream.replication_key and stream.replication_key not in record:
                    record[stream.replication_key] = when
                stream._write_record_message(record)
                written += 1
        written += self._emit_items() + self._emit_orphans()
        for kind, restored in self.restored.items():
            self._emit_restored(kind, restored)
        state = self.reader.get_context_state(None)
        if self.next_tokens:
            kept = state.get(STATE_KEY)
            state[STATE_KEY] = {**(kept if isinstance(kept, dict) else {}), **self.next_tokens}
        remembered = self.orphans.state(
            (g for kind in ("project", "portfolio") for g in self.deleted[kind]), self._selected()
        )
        if remembered or ORPHANS_KEY in state:
            state[ORPHANS_KEY] = remembered
        # The caller writes the state once the run's other end-of-run keys are in it too.
        return written

    def keep_after_failure(self) -> None:
        """A run that dies: the rows remembered per parent gain every row it emitted (tap_asana/orphans.py),
        so that one deleted before the next run still gets its tombstone."""
        if not self.loaded:
            return  # the state's lists were not read: they stay as they are
        self.reader.get_context_state(None)[ORPHANS_KEY] = self.orphans.after_failure()

    def _emit_items(self) -> int:
        """Tombstones for the portfolio items that left their portfolio, keyed by portfolio and item."""
        stream = self.tap.streams.get(ITEMS_STREAM)
        if stream is None or not stream.selected or not self.unlisted:
            return 0
        stream._write_schema_message()
        for (portfolio, item, kind), at in sorted(self.unlisted.items()):
            when = at or format_timestamp(datetime.now(timezone.utc))
            stream._write_record_message(
                {"portfolio_gid": portfolio, "gid": item, "resource_type": kind, DELETED_AT: when}
            )
        return len(self.unlisted)

    def _emit_orphans(self) -> int:
        """Tombstones for the remembered rows of each deleted project or portfolio, and for those a parent's
        new read no longer lists (tap_asana/orphans.py); an item's `removed` event has written its own."""
        now = format_timestamp(datetime.now(timezone.utc))
        doomed: dict[tuple[str, str, str], str] = {}
        for name, parent, gid in self.orphans.left():
            doomed[(name, parent, gid)] = now
        for name, parent, gid in self.orphans.vanished(self._selected()):
            doomed[(name, parent, gid)] = now
        for name, parent, gid, at in self.orphans.gone(self.deleted):
            doomed[(name, parent, gid)] = at or now
        written = 0
        for name in ORPHAN_STREAMS:
            stream = self.tap.streams.get(name)
            already = {
                g
                for kind, stream_name in STREAMS_BY_TYPE.items()
                if stream_name == name
                for g in self.deleted[kind]
            }
            records = [
                {"gid": gid, DELETED_AT: at, **({"portfolio_gid": parent} if name == ITEMS_STREAM else {})}
                for (kind, parent, gid), at in sorted(doomed.items())
                if kind == name
                and not (name == ITEMS_STREAM and self._unlisted(parent, gid))
                and gid not in already  # its own `deleted` event wrote its tombstone
            ]
            if stream is None or not stream.selected or not records:
                continue
            stream._write_schema_message()
            for record in records:
                stream._write_record_message(record)
            written += len(records)
        return written

    def _selected(self) -> list[str]:
        return [name for name, stream in self.tap.streams.items() if stream.selected]

    def _unlisted(self, portfolio: str, item: str) -> bool:
        return any((portfolio, item, kind) in self.unlisted for kind in ITEM_TYPES)

    def _emit_restored(self, kind: str, gids: set[str]) -> int:
        stream = self.tap.streams.get(STREAMS_BY_TYPE[kind])
        if kind not in RESTORABLE or not isinstance(stream, AsanaStream) or not stream.selected:
            return 0
        path, key, parent_field = RESTORABLE[kind]
        emitted = 0
        for gid in sorted(gids):
            try:
                body = stream.request_json(Route(path.format(gid=gid), {}, paginated=False), None)
            except (NotFoundError, AccessDeniedError):
                continue  # deleted again, or out of reach
            record = body.get("data") or {}
            parent = record.get(parent_field) or {}
            if parent.get("resource_type") == "task":
                record.setdefault(key, parent.get("gid"))
            stream._write_schema_message()
            stream._write_record_message(record)
            emitted += 1
        return emitted
