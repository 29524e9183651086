"""STATE at a bounded rate: the SDK writes the whole state after every partition, for tasks' children once
per task, which on a large workspace is more bytes of STATE than of records.

Every STATE message is still one the SDK chose to write, at the moment it chose: a message is written
when the SDK asks and `state_interval_seconds` have passed since the last one, and always when the tap
needs the state kept before going on (`flush`), at the end of the run and on SIGTERM. Between messages
the loader holds records newer than the last state, so a run killed with -9 re-reads at most that much
next time (at-least-once, as before).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from singer_sdk.helpers._state import StateWriter

if TYPE_CHECKING:
    from singer_sdk.helpers import types
    from singer_sdk.io_base import GenericSingerWriter

#: Default seconds between two STATE messages (0: as often as the SDK writes them).
DEFAULT_STATE_INTERVAL_SECONDS = 60


class PacedStateWriter(StateWriter):
    """The SDK's state writer, skipping the SDK's writes that come sooner than `interval` after the last."""

    def __init__(self, message_writer: GenericSingerWriter, interval: float) -> None:
        super().__init__(message_writer)
        self.interval = interval
        self._last_written = float("-inf")
        #: STATE messages written and skipped (for tests and the benchmark).
        self.written = 0
        self.skipped = 0

    def write_state(self, state: types.TapState) -> None:
        now = time.monotonic()
        if self.interval > 0 and now - self._last_written < self.interval:
            self.skipped += 1
            return
        self._write(state, now)

    def flush(self, state: types.TapState) -> None:
        """Write `state` now (if it differs from the last message), whatever the interval."""
        self._write(state, time.monotonic())

    def _write(self, state: types.TapState, now: float) -> None:
        before = self._last_emitted_state
        super().write_state(state)
        if self._last_emitted_state is not before:
            self.written += 1
        self._last_written = now
