"""Rows that go with a deleted parent though no event names them: remembered, to be tombstoned later.

Two streams lose rows that way. A deleted portfolio's items stay in Asana (as projects or portfolios, out of
it) with no `removed` event, and the Events API never reports access requests, so the requests to join a
deleted project or portfolio just vanish. Once the parent is gone its list answers 404, so nothing says which
rows were its. The tap therefore keeps, in the `workspaces` stream's state (`deletions_children`), the gids
that the last read of each parent returned for these two streams; when the parent's `deleted` event comes
(tap_asana/deletions.py), they are tombstoned and forgotten. A parent read again whose list no longer has a
row (an item removed while the events token had expired, a request approved or rejected: Asana lists pending
ones only) gets a tombstone for it too, as ACTIVATE_VERSION would on loaders that use it. Only a read that ran
to its end replaces what was kept, so a failed read never passes for an emptied list; a run that dies adds
what it emitted to what was kept (`after_failure`), so a row born and deleted around it is not forgotten.
Both lists are small (a portfolio's items; the requests still pending), and a parent whose last read
returned nothing is not kept.

Sections are remembered the same way, for every project (`VANISHING`): the change signals skip the sections of
an unchanged project and so send no ACTIVATE_VERSION, and in a workspace whose events cannot be read the
remembered lists are what finds a deleted section (its project's next read no longer lists it) or a deleted
project (a run that completed reached every listed project, and this one was not among them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

STATE_KEY = "deletions_children"
#: stream -> the resource types of the parents whose deletion takes its rows along.
ORPHAN_STREAMS: dict[str, tuple[str, ...]] = {
    "portfolio_items": ("portfolio",),
    "access_requests": ("project", "portfolio"),
    "sections": ("project",),
}
#: Streams whose rows are remembered for every parent, even none (an empty list proves the parent was read),
#: and whose parents that a completed run no longer reaches take their rows along: sections, which send no
#: ACTIVATE_VERSION while the change signals may skip them (tap_asana/change_signals.py).
VANISHING: frozenset[str] = frozenset({"sections"})


class Orphans:
    """Per stream, per parent gid, the gids of the rows the parent's last read returned."""

    def __init__(self) -> None:
        self.kept: dict[str, dict[str, list[str]]] = {}
        self.fresh: dict[str, dict[str, list[str]]] = defaultdict(dict)
        self.pending: dict[tuple[str, str], list[str]] = {}
        #: stream -> the parents whose partition this run reached (read or skipped).
        self.visited: dict[str, set[str]] = defaultdict(set)

    def load(self, kept: Any) -> None:
        """What the last run left in the state (anything malformed is ignored: it only costs tombstones)."""
        if not isinstance(kept, dict):
            return
        self.kept = {
            stream: {str(p): [str(g) for g in gids] for p, gids in parents.items() if isinstance(gids, list)}
            for stream, parents in kept.items()
            if stream in ORPHAN_STREAMS and isinstance(parents, dict)
        }

    def visit(self, stream: str, parent: str) -> None:
        """This run reached the parent's partition (whether it reads it or not)."""
        self.visited[stream].add(parent)

    def remembers(self, stream: str, parent: str) -> bool:
        """Whether the rows of the parent's last complete read are known."""
        return parent in self.kept.get(stream, {})

    def reading(self, stream: str, parent: str) -> None:
        """A read of this parent's rows starts."""
        self.pending[(stream, parent)] = []

    def seen(self, stream: str, parent: str, gid: str) -> None:
        if (rows := self.pending.get((stream, parent))) is not None:
            rows.append(gid)

    def finished(self, stream: str, parent: str) -> None:
        """The read ran to its end: what it returned replaces what was kept."""
        if (rows := self.pending.pop((stream, parent), None)) is not None:
            self.fresh[stream][parent] = rows

    def left(self) -> Iterator[tuple[str, str, str]]:
        """(stream, parent, gid) for each kept row that its parent's complete read this run left out."""
        for stream, parents in self.fresh.items():
            for parent, rows in sorted(parents.items()):
                listed = set(rows)
                for gid in self.kept.get(stream, {}).get(parent, ()):
                    if gid not in listed:
                        yield stream, parent, gid

    def vanished(self, selected: Iterable[str]) -> Iterator[tuple[str, str, str]]:
        """(stream, parent, gid) for each kept row of a parent that this completed run did not reach, for the
        `VANISHING` streams among `selected` (a stream not synced reaches no parent)."""
        for stream in sorted(VANISHING.intersection(selected)):
            for parent, rows in sorted(self.kept.get(stream, {}).items()):
                if parent not in self.visited[stream]:
                    for gid in rows:
                        yield stream, parent, gid

    def gone(self, deleted: dict[str, dict[str, str | None]]) -> Iterator[tuple[str, str, str, str | None]]:
        """(stream, parent, gid, when) for each kept row of a deleted parent; `deleted` is resource type ->
        gid -> deletion time (tap_asana/deletions.py)."""
        for stream, types in ORPHAN_STREAMS.items():
            parents = self._merged(stream)
            for kind in types:
                for parent, at in sorted(deleted.get(kind, {}).items()):
                    for gid in parents.get(parent, ()):
                        yield stream, parent, gid, at

    def state(self, deleted: Iterable[str], selected: Iterable[str] = ()) -> dict[str, dict[str, list[str]]]:
        """What to keep for the next run: the latest read of each parent, without the deleted ones (nor, for
        the `VANISHING` streams among `selected`, the parents this run did not reach)."""
        drop = set(deleted)
        synced = VANISHING.intersection(selected)
        out: dict[str, dict[str, list[str]]] = {}
        for stream in ORPHAN_STREAMS:
            parents = {
                p: gids
                for p, gids in self._merged(stream).items()
                if (gids or stream in VANISHING)
                # A VANISHING stream not synced keeps a deleted parent's rows: the next run that syncs it
                # does not reach the parent, and tombstones them then.
                and (p not in drop or (stream in VANISHING and stream not in synced))
                and (stream not in synced or p in self.visited[stream])
            }
            if parents:
                out[stream] = parents
        return out

    def after_failure(self) -> dict[str, dict[str, list[str]]]:
        """What to keep when the run dies: each parent's kept rows with every row this run emitted for it
        (read to the end or not). More than the parent holds is safe (a row its next complete read does not
        list gets a tombstone); fewer is not (a row emitted now and deleted before the next run would never
        get one)."""
        out: dict[str, dict[str, list[str]]] = {}
        for stream in ORPHAN_STREAMS:
            rows: dict[str, set[str]] = {p: set(g) for p, g in self.kept.get(stream, {}).items()}
            for parent, gids in self.fresh.get(stream, {}).items():
                rows.setdefault(parent, set()).update(gids)
            for (name, parent), gids in self.pending.items():
                if name == stream:
                    rows.setdefault(parent, set()).update(gids)
            parents = {p: sorted(g) for p, g in sorted(rows.items()) if g or stream in VANISHING}
            if parents:
                out[stream] = parents
        return out

    def _merged(self, stream: str) -> dict[str, list[str]]:
        return {**self.kept.get(stream, {}), **self.fresh.get(stream, {})}
