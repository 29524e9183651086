"""Logging adjustments: keep the warnings a user must read from being buried under routine notes."""

from __future__ import annotations

import logging

UNSORTED_NOTE = "Stream is assumed to be unsorted"


class UnsortedPartitionNote(logging.Filter):
    """Drops the SDK's "Stream is assumed to be unsorted, progress is not resumable" warning.

    The SDK repeats it for every partition of an unsorted incremental stream: once per project and
    assignee list for `tasks`, hundreds per run. The tap's unit of resumption is the partition (its
    bookmark is written when the partition completes, see the README's "State and resumption"), so the
    note says nothing new and hides the warnings that matter (skipped partitions, retries).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(UNSORTED_NOTE)


def quiet_routine_sdk_warnings() -> None:
    """Install the filters once on the SDK's logger (where singer_sdk's state helpers log)."""
    sdk = logging.getLogger("singer_sdk")
    if not any(isinstance(f, UnsortedPartitionNote) for f in sdk.filters):
        sdk.addFilter(UnsortedPartitionNote())
