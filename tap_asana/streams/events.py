"""The Events API as a stream: what changed in each project, goal and workspace since the last run.

Opt-in (not selected by default: it costs a request per project and goal each run): `meltano select
tap-asana events`. Asana keeps events for about a day, so run it at least daily.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from asana_client.errors import AccessDeniedError, SyncTokenExpiredError
from tap_asana.client import Route
from tap_asana.streams.declarative import WORKSPACE_KEY, StreamSpec, TableStream

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

TOKENS_KEY = "sync_tokens"
#: Context key of the resource -> its `resource_type`, and how its events are read.
RESOURCES = (("project_gid", "project"), ("goal_gid", "goal"))


class EventsStream(TableStream):
    """Each resource's events since the sync token kept in the state (`sync_tokens`, one per resource).

    A resource's first call answers 412 with a first token and no events: its events start with the next
    run. A later 412 (the token expired, after about a day) takes the new token with a warning: the events
    in between are gone, and the resource's data is read again in full by its own streams (the tasks of a
    project re-read the project on their own 412; full-table streams are read in full every run).
    `has_more` is followed at once. Events have no gid: `event_id` is a digest of the event and its
    resource, so an event read twice (a run resumed after a crash) has the same key.
    """

    selected_by_default = False

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap)
        properties = self.schema["properties"]
        properties["event_id"] = {"type": ["string"], "description": "SHA-256 of the event and its resource."}
        properties["resource_gid"] = {"type": ["string"], "description": "The project, goal or workspace."}
        properties["resource_kind"] = {"type": ["string"], "description": "project, goal or workspace."}

    def _resource(self, context: Context | None) -> tuple[str, str, Route] | None:
        context = context or {}
        for key, kind in RESOURCES:
            if gid := context.get(key):
                return gid, kind, Route("/events", {"resource": gid}, paginated=False, fields=False)
        if gid := context.get(WORKSPACE_KEY):
            return gid, "workspace", Route(f"/workspaces/{gid}/events", {}, paginated=False, fields=False)
        return None

    def get_records(self, context: Context | None) -> Iterable[dict]:
        found = self._resource(context)
        if found is None:
            return
        gid, kind, route = found
        state = self.get_context_state(None)  # one token per resource, kept at the stream's level
        tokens: dict[str, str] = state.setdefault(TOKENS_KEY, {})
        token = tokens.get(gid)
        while True:
            params = {**route.params, **({"sync": token} if token else {})}
            try:
                page = self.request_json(Route(route.path, params, paginated=False, fields=False), context)
            except SyncTokenExpiredError as exc:
                if token is not None:
                    self.logger.warning(
                        "Stream 'events' %s %s: sync token expired (Asana keeps events about a day); events "
                        "since the last run are lost, its data is read again in full by its own streams",
                        kind,
                        gid,
                    )
                if exc.sync_token:
                    tokens[gid] = exc.sync_token
                return
            except AccessDeniedError as exc:
                # A workspace's events are served to an Enterprise+ Service Account only; goals are premium.
                self.asana_tap.plan_gates.refused(
                    self.name,
                    tier="service_account" if kind == "workspace" else self.tier,
                    status=exc.status,
                    partition=context,
                    logger=self.logger,
                    selected=self.selected,
                )
                return
            for event in page.get("data") or []:
                yield {
                    **event,
                    "event_id": _event_id(gid, event),
                    "resource_gid": gid,
                    "resource_kind": kind,
                }
            token = page.get("sync") or token
            if token:
                tokens[gid] = token
            if not page.get("has_more"):
                return


def _event_id(resource_gid: str, event: dict[str, Any]) -> str:
    canonical = json.dumps([resource_gid, event], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


SPECS = [
    StreamSpec(
        "events",
        "/events",
        parent="projects",
        other_parents=("goals", "workspaces"),
        keys=("event_id",),
        description="Events of each project, goal and workspace since the last run (opt-in).",
        cls=EventsStream,
    ),
]
