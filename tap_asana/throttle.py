"""Client-side throttle: a sliding one-minute request budget plus a cap on requests in flight."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Asana counts a request when it arrives; ours is stamped before it leaves. A small margin keeps our
# window strictly wider than the server's, so clock skew and latency cannot push us over its budget.
WINDOW_MARGIN_SECONDS = 0.5


class RateLimiter:
    """Admit at most `requests_per_minute` requests in any sliding window, `max_concurrent` at once.

    One instance belongs to one tap and is shared by all its streams (Asana limits per token).
    """

    def __init__(
        self,
        requests_per_minute: int,
        max_concurrent: int = 1,
        *,
        window_seconds: float = 60.0 + WINDOW_MARGIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_minute < 1:
            raise ValueError("requests_per_minute must be at least 1")
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.requests_per_minute = requests_per_minute
        self.max_concurrent = max_concurrent
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self._in_flight = threading.BoundedSemaphore(max_concurrent)
        self.waited_seconds = 0.0
        self.admitted = 0

    def _reserve(self) -> float:
        """Take a slot in the window and return 0, or return how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            while self._stamps and self._stamps[0] <= now - self.window_seconds:
                self._stamps.popleft()
            if len(self._stamps) < self.requests_per_minute:
                self._stamps.append(now)
                self.admitted += 1
                return 0.0
            return self._stamps[0] + self.window_seconds - now

    def acquire_rate(self) -> None:
        """Block until the window has room for one more request, and count it."""
        while (wait := self._reserve()) > 0:
            self.waited_seconds += wait
            self._sleep(wait)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the concurrent slots and one request of the window for the duration of a call."""
        with self._in_flight:
            self.acquire_rate()
            yield
