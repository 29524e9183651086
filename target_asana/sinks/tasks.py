"""Tasks (and subtasks): upsert by gid or key, only what differs, relations through their own calls."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from singer_sdk.exceptions import FatalAPIError

from asana_client import parse_timestamp
from asana_client.retry import wait_generator
from target_asana.calls import Call, Outcome
from target_asana.keys import TaskKeys
from target_asana.mapping import mapped_state
from target_asana.outcomes import Rejected
from target_asana.sinks.base import AsanaSink, Record, ref_gid
from target_asana.task_state import (
    TASK_FIELDS,
    TaskState,
    changes,
    create_body,
    from_asana,
    relation_calls,
    write_form,
)


@dataclass
class TaskItem:
    """One record on its way: what it wants, where it lives, what Asana holds, what happened."""

    record: Record
    wanted: TaskState
    workspace: str | None
    gid: str | None = None
    key: str | None = None
    project: str | None = None
    deleted: bool = False
    current: Record | None = None
    outcome: str | None = None
    calls: list[Call] = field(default_factory=list)
    follow_ups: list[Call] = field(default_factory=list)

    @property
    def depth_key(self) -> str | None:
        return self.wanted.parent if self.wanted.parent_given else None


class TaskSink(AsanaSink):
    """Writes the `tasks` stream (the tap's records) and every stream mapped to tasks by `mappings`."""

    rank: ClassVar[int] = 30

    @property
    def keys(self) -> TaskKeys:
        with self.run.lock:
            keys = getattr(self.run, "task_keys", None)
            if keys is None:
                keys = TaskKeys(self.run)
                self.run.task_keys = keys  # type: ignore[attr-defined]
            return keys

    # -- flow -------------------------------------------------------------------------------------
    def write(self, records: list[Record]) -> None:
        items: list[TaskItem] = []
        for record in records:
            try:
                items.append(self.prepare(record))
            except Rejected as exc:
                self.reject(record, str(exc))
        # Records naming the same task go in successive rounds, in input order: the first creates it,
        # the next find it and update it (sent together, each would create its own task).
        for generation in _generations(items):
            for level in _levels(generation):
                self.write_level(level)

    def prepare(self, record: Record) -> TaskItem:
        mapping = self.run.settings.mappings.get(self.stream_name)
        workspace = ref_gid(record.get("workspace")) or ref_gid(record.get("workspace_gid"))
        if workspace is None and (mapping is not None or not ref_gid(record.get("gid"))):
            # Only a task to find by key or to create needs its workspace; one with a gid has it in Asana.
            workspace = self.run.lookup.workspace(self.run.settings.workspace)
        if mapping is not None:
            assert workspace is not None
            wanted, project = mapped_state(record, mapping, self.run.lookup, workspace)
            key_fields = [mapping.key] if mapping.key else self._key_fields()
        else:
            wanted = from_asana(record, given=record)
            project = next(iter(wanted.projects or {}), None)
            key_fields = self._key_fields()
        gid = ref_gid(record.get("gid")) if mapping is None else None
        item = TaskItem(record, wanted, workspace, gid=gid, project=project)
        item.deleted = record.get("_sdc_deleted_at") is not None
        if gid is None:
            values = [record.get(k) for k in key_fields]
            if not key_fields or any(v in (None, "") for v in values):
                raise Rejected(
                    "no gid and no upsert key: give the record a gid, or key properties "
                    f"({', '.join(key_fields) or 'none declared'}) with values"
                )
            item.key = f"{self.stream_name}:{'|'.join(str(v) for v in values)}"
        return item

    def _key_fields(self) -> list[str]:
        configured = self.run.settings.key_properties.get(self.stream_name)
        return list(configured) if configured else [k for k in self.key_properties if k != "gid"]

    def write_level(self, items: list[TaskItem]) -> None:
        self._read_current(items)
        creates: list[TaskItem] = []
        for item in items:
            if item.outcome == "rejected":
                continue
            try:
                self._plan(item)
            except Rejected as exc:
                item.outcome = "rejected"
                self.reject(item.record, str(exc))
                continue
            if item.outcome is None and item.current is None:
                creates.append(item)
        live = [i for i in items if i.outcome != "rejected"]
        if self.run.dry_run:
            for item in live:
                self.outcome(item.outcome or ("updated" if item.calls or item.follow_ups else "unchanged"))
            return
        self._send(live, lambda i: i.calls, first=True)
        self._send([i for i in live if i.outcome != "rejected"], lambda i: i.follow_ups, first=False)
        for item in live:
            if item.key is not None and (item.calls or item.follow_ups):
                # A later record of the same key (next round or batch) must compare with the task as
                # written now, not as the index read it.
                self.keys.written(item.key, item.project)
            if item.outcome != "rejected":
                self.outcome(item.outcome or ("updated" if item.calls or item.follow_ups else "unchanged"))

    # -- reading what Asana holds -----------------------------------------------------------------
    def _read_current(self, items: list[TaskItem]) -> None:
        by_gid = [i for i in items if i.gid]
        reads = [Call("GET", f"/tasks/{i.gid}", fields=TASK_FIELDS) for i in by_gid]
        for item, outcome in zip(by_gid, self.run.dispatcher.run(reads), strict=True):
            if outcome.ok:
                item.current = outcome.data
            elif outcome.status != 404:
                raise FatalAPIError(f"reading task {item.gid}: {outcome.error}")
        for item in items:
            if item.key is not None:
                try:
                    item.current = self.keys.find(item.key, self._workspace(item), item.project)
                except Rejected as exc:
                    item.outcome = "rejected"
                    self.reject(item.record, str(exc))
                if item.current is not None:
                    item.gid = item.current["gid"]

    # -- deciding ---------------------------------------------------------------------------------
    def _plan(self, item: TaskItem) -> None:
        settings = self.run.settings
        if item.deleted:
            self._plan_delete(item)
            return
        if item.current is None:
            if item.gid is not None and item.key is None:
                raise Rejected(f"task {item.gid} is not in Asana (deleted, or not visible to this token)")
            body = create_body(item.wanted, self._workspace(item))
            if item.key is not None:
                self.keys.stamp(body, item.key, self._workspace(item), item.project)
            item.calls = [Call("POST", "/tasks", body, fields=TASK_FIELDS)]
            item.outcome = "created"
            return
        current = from_asana(item.current)
        if settings.conflict_policy == "skip_if_remote_newer" and _remote_newer(item.wanted, current):
            item.outcome = "skipped"
            return
        fields, custom = changes(
            item.wanted, current, fill_empty_only=settings.conflict_policy == "fill_empty_only"
        )
        if custom:
            fields["custom_fields"] = write_form(custom, {**current.custom_types, **item.wanted.custom_types})
        gid = str(item.current["gid"])
        if fields:
            item.calls = [Call("PUT", f"/tasks/{gid}", fields)]
        if settings.conflict_policy != "fill_empty_only":
            item.follow_ups = relation_calls(gid, item.wanted, current)

    def _plan_delete(self, item: TaskItem) -> None:
        mode = self.run.settings.deletes
        if mode == "ignore":
            item.outcome = "skipped"
        elif item.current is None:
            item.outcome = "unchanged"  # already gone
        elif mode == "hard":
            item.calls = [Call("DELETE", f"/tasks/{item.current['gid']}")]
            item.outcome = "deleted"
        elif item.current.get("completed"):
            item.outcome = "unchanged"
        else:
            item.calls = [Call("PUT", f"/tasks/{item.current['gid']}", {"completed": True})]
            item.outcome = "deleted"

    def _workspace(self, item: TaskItem) -> str:
        if item.workspace is None:
            item.workspace = self.run.lookup.workspace(self.run.settings.workspace)
        return item.workspace

    # -- sending ----------------------------------------------------------------------------------
    def _send(self, items: list[TaskItem], calls_of: Any, *, first: bool) -> None:
        pending = [(item, call) for item in items for call in calls_of(item)]
        outcomes = self.run.dispatcher.run([call for _, call in pending])
        lost = [(i, c) for (i, c), o in zip(pending, outcomes, strict=True) if o.uncertain and _creates(c)]
        settled = self._settle_creates(lost) if lost else {}
        failed: set[int] = set()
        for (item, call), outcome in zip(pending, outcomes, strict=True):
            if id(item) in failed:
                continue
            outcome = settled.get(id(item), outcome) if _creates(call) else outcome
            if outcome.uncertain:
                raise FatalAPIError(f"task record {item.gid or item.key}: {outcome.error}")
            if outcome.refused:
                failed.add(id(item))
                item.outcome = "rejected"
                self.reject(item.record, outcome.error or "refused")
                continue
            if first and call.path == "/tasks" and call.method == "POST":
                self._created(item, outcome.data)

    def _settle_creates(self, lost: list[tuple[TaskItem, Call]]) -> dict[int, Outcome]:
        """Creates whose answer was lost (timeout, 5xx, dropped connection): each is looked up by its
        key in Asana, and sent again only if it is not there; repeated while answers keep being lost.

        A create still unsettled after `max_retries` rounds fails the run (its state is not emitted);
        the next run finds by key whatever did happen, so it creates no duplicate either.
        """
        settings = self.run.client.settings
        waits = wait_generator(settings.backoff_base_seconds, settings.backoff_max_seconds)
        next(waits)
        outcomes: dict[int, Outcome] = {}
        keyless = [item for item, _ in lost if item.key is None]
        if keyless:  # nothing to look it up by: sending it again could make a second task
            raise FatalAPIError(f"creating a task for record {keyless[0].record.get('name')!r}: answer lost")
        tries = max(1, settings.max_retries)
        for round_ in range(tries):
            # A create may still be on its way when its answer is lost: give it time to land first.
            time.sleep(waits.send(None))
            self.keys.refresh({item.project for item, _ in lost})
            missing = []
            for item, call in lost:
                assert item.key is not None
                found = self.keys.find(item.key, self._workspace(item), item.project)
                if found is None:
                    missing.append((item, call))
                    continue
                self.logger.info("A create whose answer was lost had happened: task %s", found["gid"])
                outcomes[id(item)] = Outcome(call, 201, data=found)
            lost = missing
            if not lost or round_ == tries - 1:
                break
            self.logger.info("%d create(s) whose answer was lost had not happened: sent again", len(lost))
            # One by one: a lost batch answer would leave all ten unsettled again.
            answers = self.run.dispatcher.run([call for _, call in lost], batch=False)
            lost, resent = [], lost
            for (item, call), outcome in zip(resent, answers, strict=True):
                if outcome.uncertain:
                    lost.append((item, call))
                else:
                    outcomes[id(item)] = outcome
            if not lost:
                break
        if lost:
            keys = ", ".join(item.key or "?" for item, _ in lost[:5])
            raise FatalAPIError(
                f"{len(lost)} task create(s) could not be confirmed in Asana (keys {keys}): their "
                "answers were lost and lookups did not find them; run again, and the keys stored in "
                "Asana will stop any duplicate"
            )
        return outcomes

    def _created(self, item: TaskItem, task: Record) -> None:
        item.gid = str(task["gid"])
        item.current = task
        if item.key is not None:
            self.keys.remember(item.key, item.project, task)
        # Dependencies cannot be given to POST /tasks: they follow once the task exists.
        if item.wanted.dependencies:
            item.follow_ups = [
                Call(
                    "POST",
                    f"/tasks/{item.gid}/addDependencies",
                    {"dependencies": item.wanted.dependencies},
                    idempotent=True,
                )
            ]


def _creates(call: Call) -> bool:
    return call.method == "POST" and call.path == "/tasks"


def _generations(items: list[TaskItem]) -> list[list[TaskItem]]:
    """Items in rounds where no two name the same task (by gid or key), keeping the input order."""
    rounds: list[list[TaskItem]] = []
    seen: dict[str, int] = {}
    for item in items:
        name = f"gid:{item.gid}" if item.gid else f"key:{item.key}"
        seen[name] = seen.get(name, -1) + 1
        if seen[name] == len(rounds):
            rounds.append([])
        rounds[seen[name]].append(item)
    return rounds


def _remote_newer(wanted: TaskState, current: TaskState) -> bool:
    mine, theirs = parse_timestamp(wanted.modified_at), parse_timestamp(current.modified_at)
    return mine is not None and theirs is not None and theirs > mine


def _levels(items: list[TaskItem]) -> list[list[TaskItem]]:
    """Items in rounds, parents before their subtasks when both are in the batch."""
    in_batch = {i.gid: i for i in items if i.gid}
    depth: dict[int, int] = {}

    def depth_of(item: TaskItem, seen: frozenset[str] = frozenset()) -> int:
        if id(item) in depth:
            return depth[id(item)]
        parent = item.depth_key
        d = 0
        if parent and parent in in_batch and parent not in seen:
            d = depth_of(in_batch[parent], seen | {parent}) + 1
        depth[id(item)] = d
        return d

    rounds: dict[int, list[TaskItem]] = {}
    for item in items:
        rounds.setdefault(depth_of(item), []).append(item)
    return [rounds[k] for k in sorted(rounds)]
