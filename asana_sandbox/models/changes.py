"""One write to the store as Asana makes it: the object changes, `modified_at` moves, events are appended.

Every domain model takes a `Changes` (the store, who acts and when) and calls `insert`, `update`, `delete`,
`added` and `removed` on it rather than touching the store directly, so that the Events API (and the
webhooks built on it) sees every write made through the API, the mutation step and the models alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from weakref import WeakKeyDictionary

from asana_sandbox.models.records import Record, ref, utcnow_iso
from asana_sandbox.store import Store

# Fields through which an object's events bubble up to its containers' event streams (a story's to its
# task, a section's to its project...), tried on every object that is not a task.
# `supported_goal`: a goal relationship's; `_workspace`: a gid, on objects the API shows no workspace for;
# `organization`: a team's (so its memberships reach the workspace's stream, as webhooks on it may ask);
# `_parent`: a project status's project (its deletion is the project's event, as a status update's is).
_CONTAINER_FIELDS = (
    "target",
    "parent",
    "task",
    "project",
    "portfolio",
    "goal",
    "supported_goal",
    "team",
    "workspace",
    "organization",
    "_workspace",
    "_parent",
)

# Who is told that a store logged an event (the webhook deliverer): callbacks per store, called after the
# event is appended, inside the write's lock, so they must only take note and return.
_LISTENERS: WeakKeyDictionary[Store, list[Callable[[], None]]] = WeakKeyDictionary()


def listen(store: Store, callback: Callable[[], None]) -> None:
    """Call `callback` (without arguments) after each event `store` logs through a `Changes`."""
    _LISTENERS.setdefault(store, []).append(callback)


def unlisten(store: Store, callback: Callable[[], None]) -> None:
    callbacks = _LISTENERS.get(store, [])
    if callback in callbacks:
        callbacks.remove(callback)


class Changes:
    """The writes of one request (or one mutation step): the store, the acting user and the time."""

    def __init__(self, store: Store, actor: Record | None, now: str | None = None) -> None:
        self.store = store
        self.actor = actor
        self.now = now or utcnow_iso()

    # -- who sees a change ----------------------------------------------------------------------------
    def task_chain(self, task: Record) -> list[Record]:
        """The task and its ancestors, nearest first."""
        chain = [task]
        seen = {task["gid"]}
        while chain[-1].get("parent"):
            parent = self.store.get(chain[-1]["parent"]["gid"], "task")
            if parent is None or parent["gid"] in seen:
                break
            seen.add(parent["gid"])
            chain.append(parent)
        return chain

    def scopes(self, record: Record, depth: int = 0) -> set[str]:
        """The gids whose event streams see a change to `record`: itself and what it bubbles up to.

        A task's events reach its ancestors, their projects and the workspace; any other object's reach
        the objects it hangs on (a story its task, a section its project...), and theirs in turn.
        """
        out = {record["gid"]}
        if record.get("resource_type") == "task":
            workspace = record.get("workspace")
            if isinstance(workspace, dict):
                out.add(workspace["gid"])
            for node in self.task_chain(record):
                out.add(node["gid"])
                out.update(p["gid"] for p in node.get("projects") or ())
            return out
        if depth > 3:
            return out
        for key in _CONTAINER_FIELDS:
            value = record.get(key)
            gid = value.get("gid") if isinstance(value, dict) else value if isinstance(value, str) else None
            container = self.store.get(gid) if gid else None
            if container is not None and container["gid"] != record["gid"]:
                out |= self.scopes(container, depth + 1)
        return out

    def _event(self, record: Record, action: str, **kwargs: Any) -> None:
        scopes: Iterable[str] = kwargs.pop("scopes", None) or self.scopes(record)
        self.store.emit_event(record, action, scopes=scopes, user=self.actor, created_at=self.now, **kwargs)
        for callback in _LISTENERS.get(self.store, ()):
            callback()

    # -- writes ---------------------------------------------------------------------------------------
    def insert(self, record: Record, parent: Record | None = None) -> Record:
        """Store a new object and report it `added` to `parent` (its project, task, workspace...)."""
        self.store.insert(record)
        self._event(record, "added", parent=parent)
        return record

    def update(self, record: Record, changes: Record, *, touch: bool = True) -> list[str]:
        """Apply field changes; each field that really changed is reported `changed`.

        `touch`: the change moves the object's `modified_at` (when it has one), as edits to its own fields do.
        Returns the names of the fields that changed.
        """
        changed = [k for k, v in changes.items() if record.get(k) != v]
        if not changed:
            return []
        updates = {k: changes[k] for k in changed}
        if touch and "modified_at" in record:
            updates["modified_at"] = self.now
        self.store.update(record["gid"], updates)
        for name in changed:
            if name.startswith("_"):
                continue
            self._event(
                record, "changed", change={"field": name, "action": "changed", "new_value": changes[name]}
            )
        return changed

    def touch(self, record: Record) -> None:
        """Move `modified_at` without a field change (a new story on a task does this)."""
        if "modified_at" in record:
            self.store.update(record["gid"], {"modified_at": self.now})

    def delete(self, record: Record) -> None:
        """Remove an object (404 afterwards) and report it `deleted`."""
        self._event(record, "deleted")
        self.store.delete(record["gid"])

    def move(self, record: Record, *, before: Record | None = None, after: Record | None = None) -> None:
        """Reorder `record` among the objects of its type (a section in a project, a task in a section)."""
        self.store.move(
            record["gid"], before=before["gid"] if before else None, after=after["gid"] if after else None
        )

    def added(self, record: Record, parent: Record) -> None:
        """`record` was added to `parent` (a task to a project, a member to a team...)."""
        self._event(record, "added", parent=parent, scopes=self.scopes(record) | self.scopes(parent))

    def removed(self, record: Record, parent: Record) -> None:
        """`record` was removed from `parent`; both event streams see it."""
        self._event(record, "removed", parent=parent, scopes=self.scopes(record) | self.scopes(parent))

    def field_changed(self, record: Record, field: str, action: str, value: Any) -> None:
        """A list field of `record` gained (`added`) or lost (`removed`) an element, e.g. a follower."""
        key = "added_value" if action == "added" else "removed_value"
        self._event(record, "changed", change={"field": field, "action": action, key: value})

    def actor_ref(self) -> Record | None:
        return ref(self.actor) if self.actor else None
