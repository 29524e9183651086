"""Shared state of one dataset build: the seeded rng, sequential gids, the clock and the record list."""

from __future__ import annotations

import random
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any

from asana_sandbox.models.records import ref as ref  # the one compact-reference builder, re-exported

Record = dict[str, Any]

# Every generated timestamp lies in a window of fixed length that ends on the dataset's reference date (by
# default the day it is generated), so the demo always looks like a live workspace: recent completions, tasks
# overdue and due soon. The window moves by whole weeks, so every weekday (and with it each weekly timesheet)
# stays as it is: for a seed, the datasets of any two reference dates have the same records, only their dates
# differ. BASE_TODAY as reference date gives the first window the datasets had, 2025-01-01..2026-06-30.
BASE_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
BASE_TODAY = date(2026, 6, 30)
SPAN_DAYS = (BASE_TODAY - BASE_START.date()).days + 1
SPAN_MS = SPAN_DAYS * 86_400_000 - 1000  # up to 23:59:59.000 of the window's last day
DAY_MS = 86_400_000
GID_BASE = (
    1_100_000_000_000_000  # 16 digits, below the store's own counter (1_200_...) so new gids never clash
)

# The window of the dataset being generated, set by `use_reference_date` (the generator holds CLOCK_LOCK
# while it builds, so two threads never build against each other's window).
CLOCK_LOCK = threading.Lock()
START = BASE_START
END = BASE_START + timedelta(milliseconds=SPAN_MS)
TODAY = BASE_TODAY.isoformat()  # the window's last day: tasks due before it and not complete are overdue
# Date strings by day offset from START (with room for due dates past END): formatting with strftime
# and parsing with strptime dominated the bench build time.
_DAYS: list[str] = []
_DAY_INDEX: dict[str, int] = {}


def window_start(reference: date) -> datetime:
    """The first instant of the window whose last day is the latest one on or before `reference` that lies
    a whole number of weeks from BASE_TODAY."""
    weeks = (reference - BASE_TODAY).days // 7
    return BASE_START + timedelta(days=7 * weeks)


def use_reference_date(reference: date) -> None:
    """Set the window every `iso`, `day` and `ms_of` call refers to (hold CLOCK_LOCK around its use)."""
    global START, END, TODAY, _DAYS, _DAY_INDEX
    start = window_start(reference)
    if start == START and _DAYS:
        return
    START = start
    END = start + timedelta(milliseconds=SPAN_MS)
    TODAY = END.strftime("%Y-%m-%d")
    _DAYS = [(start + timedelta(days=k)).strftime("%Y-%m-%d") for k in range(SPAN_DAYS + 400)]
    _DAY_INDEX = {d: k for k, d in enumerate(_DAYS)}


use_reference_date(BASE_TODAY)


def iso(ms: int) -> str:
    """Asana's timestamp format for `ms` milliseconds after START: `2025-03-04T10:11:12.345Z`."""
    ms = min(max(ms, 0), SPAN_MS)
    days, rest = divmod(ms, DAY_MS)
    seconds, millis = divmod(rest, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_DAYS[days]}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def day(ms: int) -> str:
    """The `YYYY-MM-DD` date `ms` milliseconds after START (may lie past END, e.g. for due dates)."""
    days = ms // DAY_MS
    return _DAYS[days] if 0 <= days < len(_DAYS) else (START + timedelta(days=days)).strftime("%Y-%m-%d")


def ms_of(timestamp: str) -> int:
    """Inverse of `iso`."""
    clock = timestamp[11:23]
    return (
        _DAY_INDEX[timestamp[:10]] * DAY_MS
        + int(clock[0:2]) * 3_600_000
        + int(clock[3:5]) * 60_000
        + int(clock[6:8]) * 1000
        + int(clock[9:12])
    )


def photo(b: Builder, folder: str, gid: str, chance: float) -> Record | None:
    """A user's or agent's photo URLs in every size Asana serves, or None (no photo) with 1 - `chance`."""
    if not b.chance(chance):
        return None
    base = f"https://s3.amazonaws.com/{folder}/{gid}"
    return {f"image_{s}x{s}": f"{base}_{s}.png" for s in (21, 27, 36, 60, 128, 1024)}


def html(text: str) -> str:
    return f"<body>{text}</body>"


class Builder:
    """Hands out gids and times in a fixed order, so the same seed always yields the same records."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.records: list[Record] = []
        self._gid = GID_BASE

    def gid(self) -> str:
        self._gid += 1
        return str(self._gid)

    def add(self, record: Record) -> Record:
        self.records.append(record)
        return record

    def when(self, lo: int = 0, hi: int = SPAN_MS) -> int:
        """A random instant (ms after START) in [lo, hi]."""
        return self.rng.randint(lo, max(lo, hi))

    def later(self, after: int, max_days: float = 30.0) -> int:
        """An instant strictly after `after`, at most `max_days` later and never past END."""
        return min(after + self.rng.randint(1_000, int(max_days * 86_400_000)), SPAN_MS)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: Any) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def sample(self, seq: Any, k: int) -> list[Any]:
        return self.rng.sample(list(seq), min(k, len(seq)))
