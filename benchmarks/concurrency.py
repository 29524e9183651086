"""Requests the sandbox holds in flight, sampled while a latency run goes on, and by route when few are.

Under a per-answer delay, throughput is requests in flight ÷ delay: 1,500/min at 250 ms needs 6.25 in
flight on average. The samples say how far the tap's concurrency is from that, how much of the run it
spent with at most one request out (one call at a time), and which routes those lone calls were, i.e.
which streams still read one call at a time.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

SAMPLE_SECONDS = 0.02
NONE_OUT = "(none: the tap between requests)"


class InFlight(threading.Thread):
    """Counts the sandbox app's API requests in flight by route (wrapping its per-request method on the
    instance: instrumentation of the bench's own sandbox) and samples them until `stop()`."""

    def __init__(self, app: Any) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.samples: list[int] = []
        self.alone: Counter[str] = Counter()
        self._out: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._done = threading.Event()
        answer = app._api

        def counted(request: Any, route: Any, params: dict[str, str]) -> Any:
            name = f"{route.method} {route.path}" if route is not None else "(unknown route)"
            with self._lock:
                self._out[name] += 1
            try:
                return answer(request, route, params)
            finally:
                with self._lock:
                    self._out[name] -= 1

        app._api = counted

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            with self._lock:
                out = +self._out  # drops the routes at zero
            total = sum(out.values())
            self.samples.append(total)
            if total <= 1:
                self.alone[next(iter(out), NONE_OUT)] += 1

    def stop(self) -> dict[str, Any]:
        """Stop sampling and unwrap; the figures of `summary`."""
        self._done.set()
        self.join()
        del self.app._api
        return summary(self.samples, self.alone)


def summary(samples: list[int], alone: Counter[str] | None = None) -> dict[str, Any]:
    """Mean and peak in flight, the share of samples with at most one out, and the routes of those."""
    if not samples:
        return {"mean_in_flight": None, "max_in_flight": None, "share_at_most_one": None}
    return {
        "mean_in_flight": round(sum(samples) / len(samples), 2),
        "max_in_flight": max(samples),
        "share_at_most_one": round(sum(1 for s in samples if s <= 1) / len(samples), 3),
        "at_most_one_by_route": {
            route: round(n / len(samples), 3) for route, n in (alone or Counter()).most_common(8)
        },
    }
