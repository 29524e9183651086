"""Tasks (each once, subtasks at every depth, tasks in no project); the base of the streams read per task."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, cast

import msgspec

from asana_client.errors import AccessDeniedError, NotFoundError, SyncTokenExpiredError, keepable
from asana_client.timestamps import format_timestamp, parse_timestamp
from tap_asana.client import Route
from tap_asana.streams.declarative import WORKSPACE_KEY, StreamSpec, TableStream

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, Record

SYNC_TOKEN_KEY = "events_sync"
#: In an assignee partition's state: the tasks in no project found there -> their Events API sync token.
WATCH_KEY = "watched_events"
#: Set on the record of a task that Asana no longer returns (deleted, or no longer visible to the token).
DELETED_AT = "_sdc_deleted_at"


def is_tombstone(task: Record | None) -> bool:
    """Whether `task` is the record the tap emits for a deleted task."""
    return bool(task and task.get(DELETED_AT))


class TasksStream(TableStream):
    """Tasks, read per project with `modified_since`, plus the Events API for what that filter misses.

    `modified_since` misses subtasks (never listed under a project, and a new or edited subtask does
    not touch its parent's `modified_at`) and tasks moved between projects (moving does not change
    `modified_at`). Each project partition therefore also keeps an Events API sync token in its state:
    tasks named by the project's events since the last run are fetched one by one. A 412 (token too
    old) re-reads the project in full. The first run of a partition walks every subtask tree.

    A task the events say was deleted (or one they name that now answers 404) is emitted as a tombstone:
    its gid, `modified_at` and `_sdc_deleted_at` set to the time of the deletion. Loaders that follow the
    Singer SDK's convention soft-delete the row; the models drop it.
    """

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap)
        # Declared so that catalogs and loaders know the column a tombstone fills.
        self.schema["properties"].setdefault(
            DELETED_AT,
            {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the task was deleted in Asana (set only on a deleted task's tombstone).",
            },
        )
        #: gid -> digest of the record (12 bytes) then its `modified_at` (ASCII), of each task emitted in
        #: this run: a task in several projects is emitted once, and again only if Asana now answers
        #: something else for it. One bytes object per task, not a tuple holding the page's string: this
        #: grows with the workspace (tens of thousands of tasks).
        self.emitted: dict[str, bytes] = {}
        #: gids emitted this run with every child (stories, attachments ...).
        self.with_children: set[str] = set()
        #: gids emitted this run with every child and their subtasks walked.
        self.complete: set[str] = set()
        #: gids whose tombstone this run emitted.
        self.tombstoned: set[str] = set()
        #: For the task being emitted: its children (stories, attachments) created before this were
        #: emitted already (None: emit them all).
        self.children_since: datetime | None = None
        #: The task whose children are being synced (the SDK syncs them right after post_process).
        self.current_task: Record | None = None

    def get_records(self, context: Context | None) -> Iterable[dict]:
        context = context or {}
        if context.get("project_gid"):
            yield from self._project_tasks(context)
        elif context.get("assignee_gid"):
            yield from self._unprojected_tasks(context)

    # -- read-ahead -------------------------------------------------------------------------------
    def partition_jobs(self, context: Context | None, parent: Record | None = None) -> list[tuple[Any, Any]]:
        """A project partition starts with its events call and then its listing, which must not be sent
        before the events answer (the sync token is taken first): one job sends both, in that order. An
        assignee partition starts with its listing."""
        context = context or {}
        if context.get("project_gid"):
            token = self.get_context_state(context).get(SYNC_TOKEN_KEY)
            bookmark = self.bookmark_from_state(context)
            return [(self._head_key(context, token), lambda: self._project_head(context, token, bookmark))]
        if context.get("assignee_gid"):
            return [self.page_job(self._assignee_route(context), context, None)]
        return []

    def _head_key(self, context: Context, token: str | None) -> Any:
        return (self.name, "head", tuple(sorted(context.items())), token)

    def _events_route(self, resource: str, token: str | None) -> Route:
        params = {"resource": resource}
        if token:
            params["sync"] = token
        return Route("/events", params, paginated=False, fields=False)

    def _project_route(self, context: Context, since: datetime | None) -> Route:
        params: dict[str, Any] = {"project": context["project_gid"]}
        if since:
            params["modified_since"] = format_timestamp(since)
        return Route("/tasks", params)

    def _assignee_route(self, context: Context) -> Route:
        since = self.bookmark_from_state(context) or self._start_date()
        params: dict[str, Any] = {"assignee": context["assignee_gid"], "workspace": context[WORKSPACE_KEY]}
        if since:
            params["modified_since"] = format_timestamp(since)
        return Route("/tasks", params)

    def _project_head(self, context: Context, token: str | None, bookmark: datetime | None) -> list[Any]:
        """(key, answer, error) of a project's first events page and, when it has no more, the first
        page of the listing that follows it (in a worker; `_project_tasks` takes them in order)."""
        route = self._events_route(context["project_gid"], token)
        key, send = self.json_job(route, context)
        signals = self.asana_tap.change_signals
        cached = signals.peek_page(context["project_gid"], token) if signals.enabled else None
        head: list[Any] = []
        if isinstance(cached, SyncTokenExpiredError):  # read already, for the change signals
            since = self._start_date()
        elif cached is not None:
            if cached.get("has_more") or (self._is_quiet(cached) and bookmark is not None):
                return head
            since = bookmark or self._start_date()
        else:
            try:
                events = send()
            except SyncTokenExpiredError as exc:
                since = self._start_date()
                head = [(key, None, keepable(exc))]
            except Exception as exc:  # met again by the main thread, where it decides
                return [(key, None, keepable(exc))]
            else:
                body = events[1].json()
                if body.get("has_more") or (self._is_quiet(body) and bookmark is not None):
                    return [(key, events, None)]
                since = bookmark or self._start_date()
                head = [(key, events, None)]
        listing = self._project_route(context, since)
        key, send = self.page_job(listing, context, None)
        try:
            head.append((key, send(), None))
        except Exception as exc:
            head.append((key, None, keepable(exc)))
        return head

    def _signals_on(self) -> bool:
        return bool(self.asana_tap.change_signals.enabled)

    def _is_quiet(self, events: dict[str, Any]) -> bool:
        """An events page with no event (the listing that would follow it can be skipped)."""
        return self._signals_on() and not events.get("data")

    def _take_head(self, context: Context, token: str | None) -> list[Any]:
        """Hand what the partition's head job read to the requests that follow; their keys."""
        read_ahead = self.asana_tap.read_ahead
        if read_ahead is None:
            return []
        found, head = read_ahead.take(self._head_key(context, token))
        if not found:
            return []
        for key, answer, error in head:
            read_ahead.put(key, answer, error)
        return [key for key, _, _ in head]

    # -- project partitions -----------------------------------------------------------------------
    def _project_tasks(self, context: Context) -> Iterator[dict]:
        state = self.get_context_state(context)
        keys = self._take_head(context, state.get(SYNC_TOKEN_KEY))
        try:
            yield from self._project_partition(context)
        finally:
            if keys and (read_ahead := self.asana_tap.read_ahead) is not None:
                read_ahead.discard(keys)

    def _project_partition(self, context: Context) -> Iterator[dict]:
        project = context["project_gid"]
        state = self.get_context_state(context)
        token = state.get(SYNC_TOKEN_KEY)
        bookmark = self.bookmark_from_state(context)
        # Take the new sync token before listing, so changes made while we read show up next run.
        changed, arrived, deleted, next_token, valid = self._changed_since(project, token, context)
        if not valid:
            if token is not None:
                self.logger.warning(
                    "Stream 'tasks' project %s: events sync token expired; re-reading the project in full",
                    project,
                )
            bookmark = None
        if not valid:
            # Keep the new token now: if the run dies before the partition completes, the next run must
            # start from it (deletions and moves of tasks this run already emitted are after it) and, with
            # no bookmark, read the project in full again.
            state.pop("replication_key_value", None)
            state[SYNC_TOKEN_KEY] = next_token
            deletions = self.asana_tap.deletions
            if (
                token is not None
                or deletions is None
                or not deletions.known_from_start(context.get(WORKSPACE_KEY))
            ):
                # On a partition's first run the workspace's events (kept since the run started) tell the
                # next run what was deleted; otherwise only this token can (one STATE message per project).
                self.write_state_now()
        walk_subtasks = bookmark is None
        listed: set[str] = set()
        # Every change to a task of the project is an event on the project: when the events since the kept
        # token name none, the `modified_since` listing would return nothing new (change signals on).
        quiet = valid and bookmark is not None and not (changed or arrived or deleted) and self._signals_on()
        pages = (
            ()
            if quiet
            else self.fetch_pages(self._project_route(context, bookmark or self._start_date()), context)
        )
        for page in pages:
            listed.update(task["gid"] for task in page)
            # `modified_since` is inclusive: the task at the bookmark was emitted by the last run.
            todo = [
                task
                for task in page
                if not bookmark
                or parse_timestamp(task.get("modified_at")) != bookmark
                or task["gid"] in changed
            ]
            # A task the events do not name has not changed since the last run took its token, so the
            # children it had then were emitted then: only newer ones come. One the events name gets all of
            # its children: when the last run read them is not known, and the bookmark (the newest
            # `modified_at` it emitted) may be later than a child it did not see (at-least-once).
            yield from self._emit_page(
                todo, context, walk=walk_subtasks, since=bookmark, fresh=arrived | changed
            )
        # A task only deleted needs no request; one also changed may have been restored: ask Asana.
        only_deleted = sorted(set(deleted) - changed - self.tombstoned)
        gone = [self._tombstone(gid, deleted[gid]) for gid in only_deleted]
        # A task the events name but the listing did not return: moved or added here (its `modified_at`
        # does not move), a subtask, or one changed after the listing. Read again even if emitted from
        # another project this run: a move does not change `modified_at`, only the record tells.
        named: dict[str, dict] = {}
        unlisted = sorted(changed - listed)
        self.read_ahead_push([self.json_job(self._task_route(gid), context) for gid in unlisted])
        for gid in unlisted:
            task = self._fetch_task(gid, context)
            if task is not None:
                named[gid] = task
            elif gid not in self.tombstoned:
                gone.append(self._tombstone(gid, deleted.get(gid)))
        # Nothing tells which children of a task that arrived an earlier run emitted (one moved in from a
        # project not read yet was never read): all of them, and its subtasks at every depth, first. Other
        # named tasks (subtasks changed in place) get all their children too, but not a walk.
        for gid, task in list(named.items()):
            if (followed := self._follow_if_loose(task, context)) is not None:
                named[gid] = followed
                arrived.add(gid)  # its subtasks left the project's events with it: walk them
        yield from self._emit_page(
            [t for gid, t in named.items() if gid in arrived], context, walk=True, since=None
        )
        yield from self._emit_page(
            [t for gid, t in named.items() if gid not in arrived], context, walk=False, since=None
        )
        for tombstone in gone:
            self._remember(tombstone)
            self.tombstoned.add(tombstone["gid"])
            yield tombstone
        # Stored with the partition's state, which the SDK writes once the partition is complete.
        state[SYNC_TOKEN_KEY] = next_token

    def write_state_now(self) -> None:
        """Emit a STATE message now, whatever the pacing (the SDK writes one when a partition completes)."""
        self.state_manager.is_flushed = False
        _ = self.stream_state  # the SDK's own write makes sure the stream's entry exists first
        self.asana_tap.state_writer.flush(self.tap_state)
        self.state_manager.is_flushed = True

    def _changed_since(
        self, project: str, token: str | None, context: Context
    ) -> tuple[set[str], set[str], dict[str, str | None], str | None, bool]:
        """What the project's events since `token` name: changed tasks, tasks added somewhere (to this
        project, a section, a parent task), deleted tasks (with the time of the deletion), the next
        token, and whether `token` held."""
        changed: set[str] = set()
        arrived: set[str] = set()
        deleted: dict[str, str | None] = {}
        signals = self.asana_tap.change_signals
        while True:
            try:
                if signals.enabled:  # one events call per project and run, shared with the change signals
                    page = signals.events_page(self, project, token, context)
                else:
                    page = self.request_json(self._events_route(project, token), context)
            except SyncTokenExpiredError as exc:
                return set(), set(), {}, exc.sync_token, False
            for event in page.get("data") or []:
                resource = event.get("resource") or {}
                if resource.get("resource_type") != "task":
                    changed.update(_task_gids(event))
                elif event.get("action") == "deleted":
                    deleted[resource["gid"]] = event.get("created_at")
                else:
                    changed.update(_task_gids(event))
                    if event.get("action") == "added":
                        arrived.add(str(resource["gid"]))
            token = page.get("sync") or token
            if not page.get("has_more"):
                return changed, arrived, deleted, token, True

    # -- tasks in no project ----------------------------------------------------------------------
    def _unprojected_tasks(self, context: Context) -> Iterator[dict]:
        bookmark = self.bookmark_from_state(context)
        state = self.get_context_state(context)
        watched: dict[str, str] = dict(state.get(WATCH_KEY) or {})
        yield from self._watched_tasks(watched, context)
        for page in self.fetch_pages(self._assignee_route(context), context):
            todo = []
            for task in page:
                # Tasks in a project belong to the project partitions. A subtask is kept: one under a task in
                # no project is found nowhere else (no project events name it, its parent's modified_at does
                # not move); one under a project task is emitted again at worst (at-least-once).
                if task.get("projects") or self._already_emitted(task):
                    # Seen, though not ours to emit: the bookmark still moves past it, so the next run's
                    # listing does not return it again (the SDK moves bookmarks on emitted records only).
                    self._increment_stream_state(task, context=context)
                elif not (bookmark and parse_timestamp(task.get("modified_at")) == bookmark):
                    todo.append(task)
            # Followed from now on (see `_watched_tasks`): the first token is taken before the task's tree is
            # read, so a change to it after the read is in the events.
            loose_ones = [
                task["gid"]
                for task in page
                if not task.get("parent") and not task.get("projects") and task["gid"] not in watched
            ]
            self._read_events_ahead([(gid, None) for gid in loose_ones], context)
            for task in page:
                loose = task["gid"] in loose_ones
                if loose and (token := self._first_token(task["gid"], context)) is not None:
                    watched[task["gid"]] = token
            # A task reaches this listing when it changes, but may have been in a project (or assigned to
            # someone else) at the last run: every child is emitted (at-least-once).
            yield from self._emit_page(todo, context, walk=True, since=None)
            for parent in self._parents_of_new(todo, bookmark, context):
                # An assigned parent's children up to its last change come with its assignee's listing,
                # which returns it after every change; an unassigned one's may never have been read.
                assigned = parse_timestamp(parent.get("modified_at")) if parent.get("assignee") else None
                yield from self._emit_page([parent], context, walk=False, since=assigned)

        state[WATCH_KEY] = watched

    def _follow_if_loose(self, task: dict, context: Context) -> dict | None:
        """A task that left its projects for none is followed by its assignee's partition from now on: its
        first events token, then the task read again (so nothing falls between the two). None if it is
        not such a task (or is gone)."""
        assignee = (task.get("assignee") or {}).get("gid")
        if not assignee or task.get("projects") or task.get("parent"):
            return None
        token = self._first_token(task["gid"], context)
        again = self._fetch_task(task["gid"], context) if token else None
        if token and again is not None:
            state = self.get_context_state({WORKSPACE_KEY: context[WORKSPACE_KEY], "assignee_gid": assignee})
            state.setdefault(WATCH_KEY, {})[task["gid"]] = token
        return again

    def _watched_tasks(self, watched: dict[str, str], context: Context) -> Iterator[dict]:
        """What the events of each task in no project name: its subtasks at every depth (an unassigned one
        is in no listing, and its parent's `modified_at` does not move), and whether it was deleted.

        One request per task and run (Asana's events bubble up from subtasks and their stories).
        """
        self._read_events_ahead(sorted(watched.items()), context)
        for gid, token in sorted(watched.items()):
            try:
                changed, arrived, deleted, next_token, valid = self._changed_since(gid, token, context)
            except (NotFoundError, AccessDeniedError):
                # Deleted (its subtasks with it), or no longer visible: it is gone for this token.
                del watched[gid]
                if gid not in self.tombstoned:
                    self.tombstoned.add(gid)
                    tombstone = self._tombstone(gid, None)
                    self._remember(tombstone)
                    yield tombstone
                continue
            watched[gid] = next_token or token
            if not valid:  # token too old: read the whole tree again
                changed, arrived = {gid}, {gid}
            named = {g: t for g in sorted(changed) if (t := self._fetch_task(g, context)) is not None}
            top = named.get(gid)
            if top is not None and (top.get("projects") or top.get("parent")):
                del watched[gid]  # now in a project or under a task: read there from now on
            yield from self._emit_page([t for g, t in named.items() if g in arrived], context, walk=True)
            yield from self._emit_page([t for g, t in named.items() if g not in arrived], context, walk=False)
            for gone in sorted(set(deleted) - changed - self.tombstoned):
                self.tombstoned.add(gone)
                tombstone = self._tombstone(gone, deleted[gone])
                self._remember(tombstone)
                yield tombstone

    def _read_events_ahead(self, resources: list[tuple[str, str | None]], context: Context) -> None:
        """Queue the first events call of each (resource, token) for the read-ahead workers: the loops over
        tasks in no project would otherwise send them one at a time."""
        if len(resources) > 1:
            self.read_ahead_push(
                [self.json_job(self._events_route(gid, token), context) for gid, token in resources]
            )

    def _first_token(self, gid: str, context: Context) -> str | None:
        """A task's first events sync token (Asana answers the first call with a 412 that carries it)."""
        try:
            return self._changed_since(gid, None, context)[3]
        except (NotFoundError, AccessDeniedError):
            return None

    def _parents_of_new(self, tasks: list[dict], bookmark: datetime | None, context: Context) -> list[dict]:
        """The parents of new subtasks, read again: their `num_subtasks` changed, their `modified_at` not."""
        parents: list[dict] = []
        if bookmark is None:  # a first run: the parents are read with their own project or assignee
            return parents
        new = [t for t in tasks if (t.get("parent") or {}).get("gid") and _is_new(t, bookmark)]
        for gid in sorted({str(t["parent"]["gid"]) for t in new}):
            if (parent := self._fetch_task(gid, context)) is not None:
                parents.append(parent)
        return parents

    # -- shared -----------------------------------------------------------------------------------
    def _emit_page(
        self,
        tasks: list[dict],
        context: Context,
        *,
        walk: bool,
        since: datetime | None = None,
        fresh: set[str] | frozenset[str] = frozenset(),
    ) -> Iterator[dict]:
        """Tasks not yet emitted in this form this run, each followed (when walking) by its subtasks at
        every depth. Children of a task are emitted if created after `since` (all of them for a task in
        `fresh`, whose earlier children nothing guarantees were emitted, and for walked subtasks); a task
        emitted earlier this run and changed since emits the children created after that version.

        The children of the page's tasks (stories, attachments ...) are requested concurrently first;
        the SDK then syncs them task by task, in order, from those answers.
        """

        def wanted(task: dict) -> bool:
            if not self._already_emitted(task):
                return True
            # Emitted in this form already: again only to bring what that time did not (all its children,
            # its subtasks walked).
            gid = task["gid"]
            full = since is None or gid in fresh
            return full and (gid not in self.with_children or (walk and gid not in self.complete))

        todo = [task for task in tasks if wanted(task)]
        keys = self.prefetch_children(
            todo, context, then=lambda task: self._subtasks_job(task, context) if walk else []
        )
        try:
            yield from self._emit_tasks(todo, context, walk=walk, since=since, fresh=fresh, wanted=wanted)
        finally:
            if keys and (read_ahead := self.asana_tap.read_ahead) is not None:
                read_ahead.discard(keys)

    def _emit_tasks(
        self,
        todo: list[dict],
        context: Context,
        *,
        walk: bool,
        since: datetime | None,
        fresh: set[str] | frozenset[str],
        wanted: Callable[[dict], bool],
    ) -> Iterator[dict]:
        for task in todo:
            if not wanted(task):
                continue
            earlier = self.emitted.get(task["gid"])
            if since is None or task["gid"] in fresh:
                self.children_since = None
                self.with_children.add(task["gid"])
                if walk:
                    self.complete.add(task["gid"])
            elif earlier is not None:
                # Changed since this run emitted it: what it emitted then need not come again.
                self.children_since = parse_timestamp(earlier[_DIGEST_SIZE:].decode() or None)
            else:
                self.children_since = since
            self._remember(task)
            yield task
            if walk and task.get("num_subtasks"):
                route = Route(f"/tasks/{task['gid']}/subtasks")
                for page in self.fetch_pages(route, context):
                    yield from self._emit_page(page, context, walk=True, since=None)

    def _remember(self, task: dict) -> None:
        self.emitted[task["gid"]] = _digest(task) + str(task.get("modified_at") or "").encode()

    def _already_emitted(self, task: dict) -> bool:
        """Whether this run emitted the task as Asana answers it now."""
        earlier = self.emitted.get(task["gid"])
        return earlier is not None and earlier[:_DIGEST_SIZE] == _digest(task)

    def _subtasks_job(self, task: dict, context: Context) -> list[tuple[Any, Any]]:
        """The first page of a task's subtasks, read after its children (depth first, as `_emit_page`).

        The worker that reads it queues at once the first requests of those subtasks (their children, their
        own subtasks): a tree is then read in parallel rather than a level at a time, and `_emit_page`
        finds them pending when it gets there (it discards what it does not take).
        """
        if not task.get("num_subtasks"):
            return []
        key, send = self.page_job(Route(f"/tasks/{task['gid']}/subtasks"), context, None)

        def read_and_expand() -> Any:
            answer = send()
            subtasks = [t for t in answer[1].json().get("data") or [] if not self._already_emitted(t)]
            self.prefetch_children(
                subtasks, context, then=lambda subtask: self._subtasks_job(subtask, context)
            )
            return answer

        return [(key, read_and_expand)]

    def _task_route(self, gid: str) -> Route:
        return Route(f"/tasks/{gid}", paginated=False)

    def _fetch_task(self, gid: str, context: Context) -> dict | None:
        try:
            return self.request_json(self._task_route(gid), context).get("data")
        except NotFoundError:
            return None  # deleted since the event, or no longer visible

    def _tombstone(self, gid: str, deleted_at: str | None) -> dict:
        """The record of a task Asana no longer returns, at the time of its deletion event (a project's, else
        the workspace's read at the start of the run), else now."""
        deletions = self.asana_tap.deletions
        if deleted_at is None and deletions is not None:
            deleted_at = deletions.deleted.get("task", {}).get(gid)
        when = deleted_at or format_timestamp(datetime.now(timezone.utc))
        return {"gid": gid, "resource_type": "task", "modified_at": when, DELETED_AT: when}

    def _start_date(self) -> datetime | None:
        return parse_timestamp(self.config.get("start_date"))

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        row = cast("Record", super().post_process(row, context))
        # The task's own first project as Asana orders them, not the partition that happened to read it:
        # the same task gets the same value whichever project (or events, or My Tasks) found it.
        row["project_gid"] = None if is_tombstone(row) else _first_project(row)
        self.current_task = row
        return row

    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return {WORKSPACE_KEY: (context or {}).get(WORKSPACE_KEY), "task_gid": record["gid"]}


def _task_gids(event: dict) -> set[str]:
    """The tasks an event is about: the resource itself, the task a story was added to, and the parent a
    subtask was added to or removed from (its `num_subtasks` changed)."""
    if event.get("action") == "deleted":
        return set()
    resource = event.get("resource") or {}
    parent = event.get("parent") or {}
    gids = set()
    if resource.get("resource_type") == "task":
        gids.add(resource.get("gid"))
        if event.get("action") in ("added", "removed") and parent.get("resource_type") == "task":
            gids.add(parent.get("gid"))
    elif parent.get("resource_type") == "task":
        gids.add(parent.get("gid"))
    return {str(gid) for gid in gids if gid}


def _first_project(task: Record) -> str | None:
    for membership in task.get("memberships") or ():
        if gid := ((membership or {}).get("project") or {}).get("gid"):
            return str(gid)
    for project in task.get("projects") or ():
        if gid := (project or {}).get("gid"):
            return str(gid)
    return None


#: Keys sorted, so that the digest does not depend on the order Asana lists a task's properties in.
_DIGEST_ENCODER = msgspec.json.Encoder(enc_hook=str, order="sorted")


_DIGEST_SIZE = 12


def _digest(task: dict) -> bytes:
    return hashlib.blake2b(_DIGEST_ENCODER.encode(task), digest_size=_DIGEST_SIZE).digest()


def _is_new(task: dict, bookmark: datetime) -> bool:
    """Whether the task was created after `bookmark`."""
    created = parse_timestamp(task.get("created_at"))
    return created is None or created > bookmark


class TaskChildStream(TableStream):
    """Read only for tasks emitted in this run (the SDK syncs children per emitted parent).

    With `created_after_parent_bookmark`, a record is emitted only if created after the bookmark of the
    task's partition: the older ones were emitted by the run that set the bookmark.
    """

    state_partitioning_keys: ClassVar[list[str]] = [WORKSPACE_KEY]
    created_after_parent_bookmark: ClassVar[bool] = True

    def partition_jobs(self, context: Context | None, parent: Record | None = None) -> list[tuple[Any, Any]]:
        if parent is not None and (is_tombstone(parent) or not self.wanted_for(parent)):
            return []
        return super().partition_jobs(context, parent)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        since = None
        if not (context or {}).get("task_gid") and self.partition_unchanged(context):
            return  # a goal's stories or a project's attachments resting (tap_asana/refresh_pacing.py)
        if (context or {}).get("task_gid"):
            tasks = cast(TasksStream, self.asana_tap.streams["tasks"])
            if is_tombstone(tasks.current_task) or not self.wanted_for(tasks.current_task):
                return
            if self.created_after_parent_bookmark:
                since = tasks.children_since
        for record in self.request_records(context):
            created = parse_timestamp(record.get("created_at"))
            if since is not None and created is not None and created <= since:
                continue
            yield record

    def wanted_for(self, task: Record | None) -> bool:
        """Whether the task can have records of this stream at all (saves a request when not)."""
        return True


SPECS = [
    StreamSpec(
        "tasks",
        "/tasks",
        parent="projects",
        replication_key="modified_at",
        extra_context_keys=("assignee_gid",),
        child_context={"task_gid": "gid"},
        description=(
            "Tasks and subtasks at every depth, each once per run, from every project and from "
            "assignees' My Tasks; incremental with `modified_since` and the Events API."
        ),
        cls=TasksStream,
    ),
]
