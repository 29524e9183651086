"""Asana's rate limits, per token: a per-minute budget, concurrent reads and writes, and search."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from asana_sandbox.errors import rate_limited

TIER_REQUESTS_PER_MINUTE = {"free": 150, "premium": 1500, "enterprise": 1500}
READ_METHODS = ("GET", "HEAD", "OPTIONS")  # what the concurrent read limiter counts; the rest are writes
WINDOW_SECONDS = 60.0


@dataclass
class LimitSettings:
    """The documented limits; `requests_per_minute` depends on the workspace tier."""

    requests_per_minute: int = 150
    search_per_minute: int = 60
    max_concurrent_reads: int = 50
    max_concurrent_writes: int = 15


class SlidingWindow:
    """Requests in the last minute; rejected requests are recorded too, as Asana counts them."""

    def __init__(self) -> None:
        self.stamps: deque[float] = deque()

    def count(self, now: float) -> int:
        """Requests recorded in the minute before `now`."""
        while self.stamps and self.stamps[0] <= now - WINDOW_SECONDS:
            self.stamps.popleft()
        return len(self.stamps)

    def hit(self, budget: int, now: float) -> int | None:
        """Record a request; None if it fits the budget, else the seconds to wait."""
        self.count(now)
        self.stamps.append(now)
        if len(self.stamps) <= budget:
            return None
        # The request passes once all but budget-1 of the recorded ones have left the window.
        oldest_to_expire = self.stamps[len(self.stamps) - budget]
        return max(1, math.ceil(oldest_to_expire + WINDOW_SECONDS - now))


class RateLimiter:
    """Per-token limiter answering 429 with an integer `Retry-After`, as Asana does."""

    def __init__(self, settings: LimitSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._windows: dict[str, SlidingWindow] = defaultdict(SlidingWindow)
        self._search: dict[str, SlidingWindow] = defaultdict(SlidingWindow)
        self._reads: dict[str, int] = defaultdict(int)
        self._writes: dict[str, int] = defaultdict(int)

    def in_flight(self, token: str) -> tuple[int, int]:
        """(reads, writes) the token has in flight right now."""
        with self._lock:
            return self._reads.get(token, 0), self._writes.get(token, 0)

    def check_batch(self, token: str, methods: Sequence[str]) -> None:
        """Refuse a whole batch (429) when its actions would not all fit the token's limits now.

        Asana: "If any action would exceed a limit, the entire batch gets a 429". The refused actions count
        against the budget as any refused request does; when they fit nothing is recorded here, since each
        action is admitted (and counted) as it runs.
        """
        writes = sum(m.upper() not in READ_METHODS for m in methods)
        reads = len(methods) - writes
        budget = self.settings.requests_per_minute
        with self._lock:
            now = time.monotonic()
            window = self._windows[token]
            if window.count(now) + len(methods) > budget:
                waits = [window.hit(budget, now) for _ in methods]
                raise rate_limited(max((w for w in waits if w is not None), default=1))
            if (
                self._reads[token] + reads > self.settings.max_concurrent_reads
                or self._writes[token] + writes > self.settings.max_concurrent_writes
            ):
                raise rate_limited(1)

    @contextmanager
    def admit(self, token: str, method: str, *, search: bool = False) -> Iterator[None]:
        """Hold a concurrency slot for the request, or raise the 429 ApiError."""
        write = method not in READ_METHODS
        with self._lock:
            now = time.monotonic()
            wait = self._windows[token].hit(self.settings.requests_per_minute, now)
            if wait is None and search:
                wait = self._search[token].hit(self.settings.search_per_minute, now)
            if wait is not None:
                raise rate_limited(wait)
            counter = self._writes if write else self._reads
            cap = self.settings.max_concurrent_writes if write else self.settings.max_concurrent_reads
            if counter[token] >= cap:
                raise rate_limited(1)
            counter[token] += 1
        try:
            yield
        finally:
            with self._lock:
                counter[token] -= 1
