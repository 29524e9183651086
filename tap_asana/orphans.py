"""Rows that go with a deleted parent though no event names them: remembered, to be tombstoned later.

Two streams lose rows that way. A deleted portfolio's items stay in Asana (as projects or portfolios, out of
it) with no `removed` event, and the Events API never reports access requests, so the requests to join a
deleted project or portfolio just vanish. Once the parent is gone its list answers 404, so nothing says which
rows were its. The tap therefore keeps, in the `workspaces` stream's state (`deletions_children`), the gids
that the last read of each parent returned for these two streams; when the parent's `deleted` event comes
(tap_asana/deletions.py), they are tombstoned and forgotten. Both lists are small (a portfolio's items; the
requests still pending), and a parent whose last read returned nothing is not kept.
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
}


class Orphans:
    """Per stream, per parent gid, the gids of the rows the parent's last read returned."""

    def __init__(self) -> None:
        self.kept: dict[str, dict[str, list[str]]] = {}
        self.fresh: dict[str, dict[str, list[str]]] = defaultdict(dict)

    def load(self, kept: Any) -> None:
        """What the last run left in the state (anything malformed is ignored: it only costs tombstones)."""
        if not isinstance(kept, dict):
            return
        self.kept = {
            stream: {str(p): [str(g) for g in gids] for p, gids in parents.items() if isinstance(gids, list)}
            for stream, parents in kept.items()
            if stream in ORPHAN_STREAMS and isinstance(parents, dict)
        }

    def reading(self, stream: str, parent: str) -> None:
        """A read of this parent's rows starts: what it returns replaces what was kept."""
        self.fresh[stream][parent] = []

    def seen(self, stream: str, parent: str, gid: str) -> None:
        self.fresh[stream].setdefault(parent, []).append(gid)

    def gone(self, deleted: dict[str, dict[str, str | None]]) -> Iterator[tuple[str, str, str, str | None]]:
        """(stream, parent, gid, when) for each kept row of a deleted parent; `deleted` is resource type ->
        gid -> deletion time (tap_asana/deletions.py)."""
        for stream, types in ORPHAN_STREAMS.items():
            parents = self._merged(stream)
            for kind in types:
                for parent, at in sorted(deleted.get(kind, {}).items()):
                    for gid in parents.get(parent, ()):
                        yield stream, parent, gid, at

    def state(self, deleted: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """What to keep for the next run: the latest read of each parent, without the deleted ones."""
        drop = set(deleted)
        out: dict[str, dict[str, list[str]]] = {}
        for stream in ORPHAN_STREAMS:
            parents = {p: gids for p, gids in self._merged(stream).items() if gids and p not in drop}
            if parents:
                out[stream] = parents
        return out

    def _merged(self, stream: str) -> dict[str, list[str]]:
        return {**self.kept.get(stream, {}), **self.fresh.get(stream, {})}
