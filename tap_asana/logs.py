"""Logging adjustments: keep the warnings a user must read from being buried under routine notes."""

from __future__ import annotations

import logging
import sys

from singer_sdk.exceptions import MaxRecordsLimitException

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


SYNC_ERROR_NOTE = "An unhandled error occurred while syncing"


class RecordLimitAbortNote(logging.Filter):
    """Drops the SDK's ERROR "An unhandled error occurred while syncing" when `--test` stopped the stream.

    `tap-asana --test` reads one record per stream, then the SDK aborts each stream with
    `MaxRecordsLimitException` and, on its way out, logs that ERROR line for every stream: forty ERROR lines
    on a healthy connection. The line carries no exception, so the one being handled is looked at; a real
    failure keeps its ERROR line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith(SYNC_ERROR_NOTE):
            return True
        error = sys.exc_info()[1]
        while error is not None:
            if isinstance(error, MaxRecordsLimitException):
                return False
            error = error.__cause__ or error.__context__
        return True


def quiet_record_limit_aborts(logger: logging.Logger) -> None:
    """Install `RecordLimitAbortNote` on a stream's logger, where the SDK logs that line."""
    if not any(isinstance(f, RecordLimitAbortNote) for f in logger.filters):
        logger.addFilter(RecordLimitAbortNote())
