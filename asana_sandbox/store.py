"""In-memory object store of the sandbox: every Asana object by gid, with lazily built reverse indexes."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from asana_sandbox.models.records import Record, ref, utcnow_iso

__all__ = ["Record", "Store", "dotted", "ref_gids", "utcnow_iso"]


def ref_gids(value: Any) -> Iterator[str]:
    """The gids that a field value refers to (a compact object, a list of them, or nothing)."""
    if isinstance(value, dict):
        gid = value.get("gid")
        if gid is not None:
            yield gid
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("gid") is not None:
                yield item["gid"]


def dotted(record: Record, path: str) -> Iterator[Any]:
    """Values at a dotted path; lists on the way are walked element by element."""
    values: list[Any] = [record]
    for part in path.split("."):
        nxt: list[Any] = []
        for value in values:
            if isinstance(value, list):
                nxt.extend(v.get(part) for v in value if isinstance(v, dict))
            elif isinstance(value, dict):
                nxt.append(value.get(part))
        values = nxt
    for value in values:
        if isinstance(value, list):
            yield from value
        elif value is not None:
            yield value


class Store:
    """Objects keyed by gid, listed per resource type in creation order.

    Workspaces carry a sandbox-only `_tier` (free, premium or enterprise) that gates paid endpoints;
    keys starting with `_` are never rendered. Deleted objects are removed (404 afterwards, as in Asana).
    """

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, Record] = {}
        self.by_type: dict[str, list[str]] = defaultdict(list)
        self._indexes: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._next_gid = 1_200_000_000_000_000
        # Change log behind the Events API: (sequence number, event, gids of the streams that see it).
        self.events: list[tuple[int, Record, frozenset[str]]] = []
        for record in records:
            self.insert(record)

    # -- identity -------------------------------------------------------------------------------------
    def new_gid(self) -> str:
        with self.lock:
            self._next_gid += 1
            while str(self._next_gid) in self.objects:
                self._next_gid += 1
            return str(self._next_gid)

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, gid: str, resource_type: str | None = None) -> Record | None:
        """The object, or None when absent or of another type."""
        record = self.objects.get(gid)
        if record is None or (resource_type and record.get("resource_type") != resource_type):
            return None
        return record

    def all(self, resource_type: str) -> list[Record]:
        return [self.objects[g] for g in self.by_type.get(resource_type, ())]

    def related(self, resource_type: str, path: str, gid: str) -> list[Record]:
        """Objects of `resource_type` whose field at dotted `path` refers to `gid`, in creation order."""
        index = self._index(resource_type, path)
        return [self.objects[g] for g in index.get(gid, ())]

    def _index(self, resource_type: str, path: str) -> dict[str, list[str]]:
        key = (resource_type, path)
        with self.lock:
            index = self._indexes.get(key)
            if index is None:
                index = defaultdict(list)
                for g in self.by_type.get(resource_type, ()):
                    for ref in _refs_at(self.objects[g], path):
                        index[ref].append(g)
                self._indexes[key] = index
            return index

    # -- writes ---------------------------------------------------------------------------------------
    def insert(self, record: Record) -> Record:
        with self.lock:
            gid = record.setdefault("gid", self.new_gid())
            if gid in self.objects:
                raise ValueError(f"duplicate gid {gid}")
            self.objects[gid] = record
            self.by_type[record["resource_type"]].append(gid)
            for (rtype, path), index in self._indexes.items():
                if rtype == record["resource_type"]:
                    for ref in _refs_at(record, path):
                        index[ref].append(gid)
            return record

    def update(self, gid: str, changes: Record) -> Record:
        """Apply field changes; indexes touching this type are rebuilt lazily."""
        with self.lock:
            record = self.objects[gid]
            record.update(changes)
            self._drop_indexes(record["resource_type"])
            return record

    def delete(self, gid: str) -> Record | None:
        with self.lock:
            record = self.objects.pop(gid, None)
            if record is not None:
                self.by_type[record["resource_type"]].remove(gid)
                self._drop_indexes(record["resource_type"])
            return record

    def move(self, gid: str, *, before: str | None = None, after: str | None = None) -> None:
        """Put an object just before (or after) another of its type in the order lists show them.

        Lists keep each type's order, so this is how a manual order (sections in a project, tasks in
        a section) is kept; with neither anchor the object goes last.
        """
        with self.lock:
            kind = self.objects[gid]["resource_type"]
            order = self.by_type[kind]
            order.remove(gid)
            anchor = before or after
            index = len(order) if anchor is None else order.index(anchor) + (1 if after else 0)
            order.insert(index, gid)
            self._drop_indexes(kind)

    def _drop_indexes(self, resource_type: str) -> None:
        for key in [k for k in self._indexes if k[0] == resource_type]:
            del self._indexes[key]

    # -- events ---------------------------------------------------------------------------------------
    def emit_event(
        self,
        resource: Record,
        action: str,
        *,
        scopes: Iterable[str],
        user: Record | None = None,
        parent: Record | None = None,
        change: Record | None = None,
        created_at: str | None = None,
    ) -> Record:
        """Log a change as Asana's Events API reports it.

        `scopes` are the gids whose event streams see the change: the resource itself and what it bubbles
        up to (a subtask's parent tasks, their projects, the workspace).
        """
        event: Record = {
            "user": ref(user) if user else None,
            "created_at": created_at or utcnow_iso(),
            "action": action,
            "resource": {
                k: resource[k] for k in ("gid", "resource_type", "name", "resource_subtype") if k in resource
            },
            "parent": ref(parent) if parent and action in ("added", "removed") else None,
            "type": resource.get("resource_type"),
        }
        if action == "changed" and change:
            event["change"] = change
        with self.lock:
            self.events.append((len(self.events) + 1, event, frozenset(scopes) | {resource["gid"]}))
        return event

    def counts(self) -> dict[str, int]:
        return {t: len(g) for t, g in sorted(self.by_type.items()) if g}


def _refs_at(record: Record, path: str) -> Iterator[str]:
    for value in dotted(record, path):
        if isinstance(value, dict):
            if value.get("gid") is not None:
                yield value["gid"]
        elif isinstance(value, str):
            yield value
