"""Client-side throttle: a sliding one-minute request budget plus caps on reads and writes in flight."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Asana counts a request when it arrives; ours is stamped before it leaves. A small margin keeps our
# window strictly wider than the server's, so clock skew and latency cannot push us over its budget.
WINDOW_MARGIN_SECONDS = 0.5
#: Asana's concurrency limits per token: requests in flight at once, reads and writes counted apart.
ASANA_MAX_CONCURRENT_READS = 50
ASANA_MAX_CONCURRENT_WRITES = 15
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_write(method: str) -> bool:
    """Whether Asana counts a request with this method against the write concurrency limit."""
    return method.upper() not in READ_METHODS


class RateLimiter:
    """Admit at most `requests_per_minute` requests in any sliding window, with at most `max_concurrent`
    reads and `max_concurrent_writes` writes in flight (each capped at Asana's own limit).

    One instance belongs to one token's user (a tap run, a target run) and is shared by all its
    streams or sinks: Asana limits per token.
    """

    def __init__(
        self,
        requests_per_minute: int,
        max_concurrent: int = 1,
        *,
        max_concurrent_writes: int = ASANA_MAX_CONCURRENT_WRITES,
        window_seconds: float = 60.0 + WINDOW_MARGIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_minute < 1:
            raise ValueError("requests_per_minute must be at least 1")
        if max_concurrent < 1 or max_concurrent_writes < 1:
            raise ValueError("max_concurrent and max_concurrent_writes must be at least 1")
        self.requests_per_minute = requests_per_minute
        # More in flight than Asana allows would only earn 429s.
        self.max_concurrent = min(max_concurrent, ASANA_MAX_CONCURRENT_READS)
        self.max_concurrent_writes = min(max_concurrent_writes, ASANA_MAX_CONCURRENT_WRITES)
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self._reads = threading.BoundedSemaphore(self.max_concurrent)
        self._writes = threading.BoundedSemaphore(self.max_concurrent_writes)
        self.waited_seconds = 0.0
        self.admitted = 0

    def _reserve(self, cost: int) -> float:
        """Take `cost` slots in the window and return 0, or return how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            while self._stamps and self._stamps[0] <= now - self.window_seconds:
                self._stamps.popleft()
            if len(self._stamps) + cost <= self.requests_per_minute:
                self._stamps.extend([now] * cost)
                self.admitted += cost
                return 0.0
            # Wait until enough of the oldest stamps have left the window.
            oldest_needed = self._stamps[len(self._stamps) + cost - self.requests_per_minute - 1]
            return oldest_needed + self.window_seconds - now

    def acquire_rate(self, cost: int = 1) -> None:
        """Block until the window has room for `cost` more requests, and count them."""
        cost = min(max(cost, 1), self.requests_per_minute)
        while (wait := self._reserve(cost)) > 0:
            self.waited_seconds += wait
            self._sleep(wait)

    @contextmanager
    def slot(self, method: str = "GET", cost: int = 1) -> Iterator[None]:
        """Hold a read or write slot (by `method`) and `cost` requests of the window for a call.

        `cost` is more than one for a Batch API call: Asana counts each of its actions as a request.
        """
        with self._writes if is_write(method) else self._reads:
            self.acquire_rate(cost)
            yield
