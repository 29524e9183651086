"""Requests the sandbox holds in flight for a token, sampled while a latency run goes on.

Under a per-answer delay, throughput is requests in flight ÷ delay: 1,500/min at 250 ms needs 6.25 reads in
flight on average. The samples say how far the tap's concurrency is from that, and how much of the run it
spent with at most one request out (one call at a time).
"""

from __future__ import annotations

import threading
from typing import Any

SAMPLE_SECONDS = 0.02


class InFlight(threading.Thread):
    """Samples `limits.in_flight(token)` (reads + writes) until `stop()`."""

    def __init__(self, limits: Any, token: str) -> None:
        super().__init__(daemon=True)
        self.limits = limits
        self.token = token
        self.samples: list[int] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self.samples.append(sum(self.limits.in_flight(self.token)))

    def stop(self) -> dict[str, Any]:
        """Stop sampling; mean and peak in flight, and the share of samples with at most one out."""
        self._done.set()
        self.join()
        return summary(self.samples)


def summary(samples: list[int]) -> dict[str, Any]:
    if not samples:
        return {"mean_in_flight": None, "max_in_flight": None, "share_at_most_one": None}
    return {
        "mean_in_flight": round(sum(samples) / len(samples), 2),
        "max_in_flight": max(samples),
        "share_at_most_one": round(sum(1 for s in samples if s <= 1) / len(samples), 3),
    }
