"""The bench's arithmetic: budget use, CPU per record, STATE share, and the misses of an incremental run.

Pure functions over counts, so `tests/test_bench_figures.py` can check them without running a sync.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WINDOW_SECONDS = 60.0
#: The record field that marks a tombstone (tap_asana.streams.tasks.DELETED_AT; not imported, so the
#: arithmetic stays independent of the tap's code).
DELETED_AT = "_sdc_deleted_at"


def rate_floor_seconds(requests: int, budget: int) -> float:
    """The least wall time `requests` need under a sliding one-minute window of `budget` requests.

    For more than one budget: `60 x floor((N - 1) / budget)` (a budget's worth at once, then one more
    budget each minute), the formula of `benchmarks/write.py`. For a run of at most one budget the window
    never binds; its floor is then the steady rate's, `60 x N / budget`, which is what the sliding floor
    tends to per request on a long run (so a short run's figure says whether a long one would keep up).
    """
    if requests <= 0 or budget <= 0:
        return 0.0
    if requests > budget:
        return WINDOW_SECONDS * ((requests - 1) // budget)
    return WINDOW_SECONDS * requests / budget


def budget_use(requests: int, budget: int, wall_seconds: float) -> float | None:
    """The rate-limit floor for `requests` over the wall time: 1.0 keeps the budget busy all the time.

    Above 1 only for a run shorter than one budget (the window allows a burst): the rate, not the
    latency, would bind a longer run.
    """
    if wall_seconds <= 0 or requests <= 0:
        return None
    return rate_floor_seconds(requests, budget) / wall_seconds


def cpu_us_per_record(user_seconds: float, system_seconds: float, records: int) -> float | None:
    """The tap process's CPU time (user + system) per record emitted, in microseconds."""
    if records <= 0:
        return None
    return (user_seconds + system_seconds) * 1e6 / records


def quarter_peaks(samples: list[int]) -> list[int]:
    """The largest sample in each quarter of a run (samples in time order); under 4 samples, as they are."""
    if len(samples) < 4:
        return list(samples)
    bounds = [len(samples) * k // 4 for k in range(5)]
    return [max(samples[bounds[k] : bounds[k + 1]]) for k in range(4)]


def flat(quarters: list[int], slack: float = 1.25) -> bool:
    """Memory is flat when the last quarter's peak is within `slack` of the second quarter's (the first
    quarter is start-up: imports, discovery)."""
    return len(quarters) < 4 or quarters[3] <= slack * quarters[1]


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


@dataclass
class Seen:
    """What a run emitted, per stream and key: the newest `modified_at` (None when the stream has none)
    and whether the last record emitted for the key was a tombstone."""

    versions: dict[str, dict[tuple, Any]] = field(default_factory=dict)
    tombstoned: dict[str, set[tuple]] = field(default_factory=dict)

    def add(self, stream: str, key: tuple, record: Mapping[str, Any]) -> None:
        versions = self.versions.setdefault(stream, {})
        tombstones = self.tombstoned.setdefault(stream, set())
        version = record.get("modified_at")
        if key not in versions or _newer(version, versions[key]):
            versions[key] = version
        if record.get(DELETED_AT):
            tombstones.add(key)
        else:
            tombstones.discard(key)

    def merged(self, later: Seen) -> Seen:
        """Both runs loaded in order, self first: the newest version of each key; a key is tombstoned when
        the last run that emitted it ended on a tombstone."""
        out = Seen()
        for run in (self, later):
            for stream, versions in run.versions.items():
                mine = out.versions.setdefault(stream, {})
                for key, version in versions.items():
                    if key not in mine or _newer(version, mine[key]):
                        mine[key] = version
        for stream in out.versions:
            seen_later = later.versions.get(stream, {})
            earlier = {k for k in self.tombstoned.get(stream, set()) if k not in seen_later}
            out.tombstoned[stream] = earlier | later.tombstoned.get(stream, set())
        return out


def keys_digest(seen: Seen) -> str:
    """A digest of every (stream, key) emitted: equal digests mean the same record set (dates aside), so a
    change that should not alter what a full sync returns can be checked against an earlier run."""
    digest = hashlib.sha256()
    for stream in sorted(seen.versions):
        for key in sorted(seen.versions[stream], key=repr):
            digest.update(f"{stream}\t{key!r}\n".encode())
    return digest.hexdigest()[:12]


def _newer(version: Any, than: Any) -> bool:
    # ISO 8601 UTC stamps of one format compare as strings; a missing version never wins.
    return version is not None and (than is None or str(version) > str(than))


def misses(union: Seen, fresh: Seen) -> dict[str, int]:
    """Per stream, the records a fresh full sync finds that the union does not hold: keys it never
    emitted, keys whose newest emitted `modified_at` is older than the fresh one, and keys it tombstoned."""
    out: dict[str, int] = {}
    for stream, truth in fresh.versions.items():
        held = union.versions.get(stream, {})
        dead = union.tombstoned.get(stream, set())
        gone = fresh.tombstoned.get(stream, set())  # a tombstone in the fresh run is no live record
        count = sum(
            1
            for key, version in truth.items()
            if key not in gone and (key not in held or key in dead or _newer(version, held[key]))
        )
        if count:
            out[stream] = count
    return out
