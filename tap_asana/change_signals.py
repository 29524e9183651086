"""Project events as the change signal of full-table streams read per project: a partition is read again only
when Asana's events say something of its kind changed in that project since the last run.

Only kinds that Asana documents to produce events on the project are signalled (`SIGNALLED`): sections
(`section` events are reported to the project's subscribers, deletions included) and the project's own
record (a renamed project renames `section.project.name`). Memberships, custom field settings, statuses,
briefs, templates and the rest have no documented event on the project: they are re-read every run.

How a run decides, per project (one `GET /events?resource={project}` per project and run, shared with the
tasks stream through `events_page` when it asks with the same token):

* The events are read at the project's first signalled partition, from the token this module kept for the
  project (`projects` stream state, key `change_signals`: project -> `{"sync", "read"}`). `read` names the
  streams whose partition of the project was read (or confirmed unchanged) after that token was taken.
* A partition is skipped when the token held (no 412), the stream is in `read`, no event of its kind came,
  and a section deleted since would still get its tombstone: the project's sections are remembered from
  their last read (tap_asana/orphans.py: the project's next read no longer lists a deleted section; a
  deleted project is absent from a completed run), whatever the workspace's own events say (their token
  may have expired by then). Otherwise it is read in full.
* While skipping is possible the signalled streams send no ACTIVATE_VERSION (a loader would delete the
  rows of a skipped partition); on a first run (nothing tracked or remembered yet) nothing is skipped and
  ACTIVATE_VERSION is sent as for any full-table stream.
* The map is taken out of the state when the run starts (it would ride on every STATE message) and written
  back, with the new tokens and `read` sets, only at the end of a run that completed: after a run that
  died the next one has no token and reads every project's signalled partitions in full.
* A project with no token of ours starts from the tasks stream's token for it, so that from then on the
  two share one token and one events call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asana_client.errors import AccessDeniedError, NotFoundError, SyncTokenExpiredError, keepable
from tap_asana.client import AsanaStream, Route
from tap_asana.orphans import VANISHING

if TYPE_CHECKING:
    from singer_sdk import Stream, Tap
    from singer_sdk.helpers.types import Context

    from tap_asana.deletions import DeletionWatch

#: Setting that turns the signals off (every partition read, ACTIVATE_VERSION as usual).
SETTING = "change_signals"
#: Key of the `projects` stream state that holds each project's token and the streams read under it.
STATE_KEY = "change_signals"
PROJECT_KEY = "project_gid"


def _section_changed(event: Mapping[str, Any], project: str) -> bool:
    """A section was added, changed, removed, deleted or restored, or the project itself changed."""
    resource = event.get("resource") or {}
    return resource.get("resource_type") == "section" or str(resource.get("gid")) == project


#: Stream -> whether an event of the project's stream changes that stream's records of the project.
SIGNALLED: dict[str, Callable[[Mapping[str, Any], str], bool]] = {
    "sections": _section_changed,
}


@dataclass
class ProjectEvents:
    """What this run learnt from one project's events."""

    #: The token the events were read from held (no 412, no error), so `dirty` is complete.
    valid: bool
    #: Signalled streams with an event of their kind since the kept token.
    dirty: set[str] = field(default_factory=set)
    #: The token to keep for the next run (None: the events could not be read).
    next_token: str | None = None
    #: Streams read under the kept token (from the state), and those this run read or confirmed.
    kept_read: frozenset[str] = frozenset()
    read: set[str] = field(default_factory=set)


class ChangeSignals:
    """Decides which (signalled stream, project) partitions need no reading; the tap's `change_signals`."""

    def __init__(self, tap: Tap) -> None:
        self.tap = tap
        self.enabled = bool(tap.config.get(SETTING, True))
        #: Workspaces whose deletions are tracked this run (set by `start`): a deleted section comes as a
        #: tombstone from their events.
        self.tracked: set[str] = set()
        #: Whether this run may skip any partition: a workspace is tracked, or some project's sections are
        #: remembered from their last read (tap_asana/orphans.py), whose next read finds what was deleted.
        self.may_skip = False
        self._deletions: DeletionWatch | None = None
        self.projects: dict[str, ProjectEvents] = {}
        #: (project, token) -> the events page answered for it, or the 412 it raised (for `events_page`).
        self._pages: dict[tuple[str, str | None], dict[str, Any] | SyncTokenExpiredError] = {}
        self._lock = threading.Lock()
        self._reading: dict[str, threading.Lock] = {}
        #: (stream, project) partitions skipped this run.
        self.skipped: set[tuple[str, str]] = set()
        #: The previous run's map (taken out of the state by `start`).
        self._kept: dict[str, Any] = {}

    # -- the run ----------------------------------------------------------------------------------
    def start(self, deletions: DeletionWatch) -> None:
        """Before any stream: which projects' deletions would be known if their sections were skipped."""
        self._deletions = deletions
        workspaces = set(deletions.workspaces)
        self.tracked = workspaces & deletions.tracked
        # Remembered sections come from a completed run of this version, which remembered every project it
        # reached: a project without a list is new since. A state from before then has none, and in a
        # workspace not tracked a skip could hide a deletion for good: nothing is skipped until they exist.
        remembered = all(name in deletions.orphans.kept for name in SIGNALLED if name in VANISHING)
        self.may_skip = bool(workspaces) and (workspaces <= self.tracked or remembered)
        # Out of the state while the run goes: 230 projects' tokens would ride on every STATE message. A run
        # that dies therefore leaves none, and the next one reads these partitions in full (safe).
        kept = self._projects_state().pop(STATE_KEY, None)
        self._kept = kept if isinstance(kept, dict) else {}

    def active(self, stream: Stream) -> bool:
        """Whether partitions of `stream` may be skipped in this run."""
        return self.enabled and self.may_skip and stream.name in SIGNALLED

    def keeps_activate_version(self, stream: Stream) -> bool:
        """Whether `stream` may send ACTIVATE_VERSION: not while its partitions may be skipped."""
        return not self.active(stream)

    def finish(self) -> bool:
        """After a completed run: keep each project's new token and the streams read under it.
        Returns whether the state changed."""
        with self._lock:
            if not self.projects and not self._kept:
                return False
            # Projects no signalled partition visited this run (deleted, or the streams deselected) are
            # dropped: a later run reads them in full.
            kept = {} if self.projects else dict(self._kept)
            for project, seen in sorted(self.projects.items()):
                if seen.next_token is not None:
                    kept[project] = {"sync": seen.next_token, "read": sorted(seen.read)}
            self._projects_state()[STATE_KEY] = kept
            return True

    # -- the hook of TableStream.partition_unchanged ----------------------------------------------
    def unchanged(self, stream: Stream, context: Context | None) -> bool:
        """Whether this partition of a signalled stream is as the last run left it (then it is not read)."""
        project = (context or {}).get(PROJECT_KEY)
        if not (self.enabled and stream.name in SIGNALLED and project and isinstance(stream, AsanaStream)):
            return False
        seen = self._events_of(stream, str(project), context)
        with self._lock:
            # Read in full or skipped, this partition is as Asana was when `next_token` was taken.
            if seen.next_token is not None:
                seen.read.add(stream.name)
            skip = (
                self.active(stream)
                and seen.valid
                and stream.name in seen.kept_read
                and stream.name not in seen.dirty
                and self._deletions_known(stream.name, str(project), context)
            )
            if skip:
                self.skipped.add((stream.name, str(project)))
            return skip

    def unread(self, stream: Stream, context: Context | None) -> None:
        """This partition was not read after all (Asana refused it): the next run reads it in full."""
        project = str((context or {}).get(PROJECT_KEY))
        with self._lock:
            if (seen := self.projects.get(project)) is not None:
                seen.read.discard(stream.name)

    def read_ahead(self, stream: Stream, contexts: Iterable[Context]) -> None:
        """Read the events of several projects at once (a page of them), so that the decisions on their
        partitions that follow send no request; each project's events are still read once per run."""
        todo = {
            str(c[PROJECT_KEY]): c
            for c in contexts
            if c.get(PROJECT_KEY) and c[PROJECT_KEY] not in self.projects
        }
        if not (self.enabled and stream.name in SIGNALLED and todo and isinstance(stream, AsanaStream)):
            return
        workers = max(1, min(len(todo), stream.client_settings.max_concurrent_requests))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="change-signals") as pool:
            for _ in pool.map(lambda item: self._events_of(stream, *item), todo.items()):
                pass

    def _deletions_known(self, stream: str, project: str, context: Context | None) -> bool:
        """Whether a row of this partition deleted since its last read would still get its tombstone: from the
        rows remembered at that read (the next read, or the project's absence from a completed run, finds it
        gone) for the streams remembered so (`VANISHING`), else from the workspace's events."""
        deletions = self._deletions
        if stream in VANISHING:
            # Remembered even where the workspace is tracked: its events token may expire, or stop being
            # readable, by the time the partition is read again.
            return deletions is not None and deletions.orphans.remembers(stream, project)
        return (context or {}).get("workspace_gid") in self.tracked

    # -- events -----------------------------------------------------------------------------------
    def _events_of(self, stream: AsanaStream, project: str, context: Context | None) -> ProjectEvents:
        """This run's reading of the project's events: read by the first to ask, then shared. No lock is held
        across the request but the project's own (the tasks stream's workers ask `events_page` meanwhile)."""
        with self._lock:
            reading = self._reading.setdefault(project, threading.Lock())
        with reading:
            with self._lock:
                seen = self.projects.get(project)
            if seen is None:
                seen = self._read_events(stream, project, context)
                with self._lock:
                    self.projects[project] = seen
        return seen

    def _read_events(self, stream: AsanaStream, project: str, context: Context | None) -> ProjectEvents:
        kept = self._kept.get(project)
        kept = kept if isinstance(kept, dict) else {}
        token = kept.get("sync") if isinstance(kept.get("sync"), str) else None
        kept_read = frozenset(r for r in kept.get("read") or () if isinstance(r, str))
        if token is None:
            # No token of ours yet: start from the tasks stream's, so that it finds its answer in the cache.
            token, kept_read = self._tasks_token(context), frozenset()
        seen = ProjectEvents(valid=token is not None, kept_read=kept_read)
        while True:
            try:
                page = self.events_page(stream, project, token, context)
            except SyncTokenExpiredError as exc:
                if token is not None and kept_read:
                    stream.logger.warning(
                        "Stream '%s' project %s: events sync token expired; reading the project's "
                        "full-table streams in full",
                        stream.name,
                        project,
                    )
                seen.valid, seen.next_token = False, exc.sync_token
                return seen
            except (NotFoundError, AccessDeniedError):
                # Deleted or hidden since it was listed: the partitions find out (and skip) themselves.
                return ProjectEvents(valid=False)
            for event in page.get("data") or []:
                seen.dirty.update(name for name, changes in SIGNALLED.items() if changes(event, project))
            token = page.get("sync") or token
            seen.next_token = token
            if not page.get("has_more"):
                return seen

    def events_page(
        self, stream: AsanaStream, project: str, token: str | None, context: Context | None
    ) -> dict[str, Any]:
        """One page of the project's events since `token`, read once per run for a given token.

        The tasks stream may ask through here too: asking again with the current token returns the same
        events (Asana's documented rule), so the answer this run already had serves it. A cached 412 is
        raised again.
        """
        key = (project, token)
        with self._lock:
            cached = self._pages.pop(key, None)
        if cached is None:
            params = {"resource": project, **({"sync": token} if token else {})}
            try:
                cached = stream.request_json(Route("/events", params, paginated=False, fields=False), context)
            except SyncTokenExpiredError as exc:
                cached = keepable(exc)
            if stream.name != "tasks":
                with self._lock:
                    self._pages[key] = cached
        if isinstance(cached, SyncTokenExpiredError):
            # A copy: raising the kept one would attach this stack's frames to it (errors.keepable).
            raise SyncTokenExpiredError(str(cached), cached.sync_token)
        return cached

    def peek_page(self, project: str, token: str | None) -> dict[str, Any] | SyncTokenExpiredError | None:
        """The answer already read for this project and token (left for `events_page`), if any."""
        with self._lock:
            return self._pages.get((project, token))

    def read_ahead_children(self, parent: AsanaStream, records: list[dict], context: Context | None) -> None:
        """Before a page of `parent` records has its children synced: the events of every project on the
        page, for each signalled child stream, read at once (`read_ahead`)."""
        if not self.enabled:
            return
        for child in parent.child_streams:
            if child.name in SIGNALLED and child.selected:
                contexts = []
                for record in records:
                    child_context = parent.get_child_context(record, context)
                    if child_context is not None:
                        contexts.append(child.preprocess_context(dict(child_context)))
                self.read_ahead(child, contexts)

    # -- state ------------------------------------------------------------------------------------
    def _projects_state(self) -> dict[str, Any]:
        """The `projects` stream's state: it keeps the map of project -> token and streams read under it."""
        state: dict[str, Any] = self.tap.streams["projects"].get_context_state(None)
        return state

    def _tasks_token(self, context: Context | None) -> str | None:
        """The events token the tasks stream keeps for this project, if it runs and has one."""
        tasks = self.tap.streams.get("tasks")
        if tasks is None or not (tasks.selected or tasks.has_selected_descendents) or not context:
            return None
        wanted = {k: context.get(k) for k in ("workspace_gid", PROJECT_KEY)}
        for partition in tasks.stream_state.get("partitions") or ():
            if partition.get("context") == wanted:
                token = partition.get("events_sync")
                return token if isinstance(token, str) else None
        return None
