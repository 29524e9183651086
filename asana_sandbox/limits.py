"""Asana's rate limits, per token: a per-minute budget, concurrent reads and writes, and search."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from asana_sandbox.errors import rate_limited

TIER_REQUESTS_PER_MINUTE = {"free": 150, "premium": 1500, "enterprise": 1500}
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

    def hit(self, budget: int, now: float) -> int | None:
        """Record a request; None if it fits the budget, else the seconds to wait."""
        while self.stamps and self.stamps[0] <= now - WINDOW_SECONDS:
            self.stamps.popleft()
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

    @contextmanager
    def admit(self, token: str, method: str, *, search: bool = False) -> Iterator[None]:
        """Hold a concurrency slot for the request, or raise the 429 ApiError."""
        write = method not in ("GET", "HEAD", "OPTIONS")
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
