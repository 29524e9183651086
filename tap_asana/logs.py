"""Logging adjustments: keep the warnings a user must read from being buried under routine notes."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

import click
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


#: Environment variable that sets the level of the SDK's METRIC lines (the `metrics_log_level` setting wins).
METRICS_LEVEL_ENV = "TAP_ASANA_METRICS_LOG_LEVEL"
#: The SDK's per-plugin log level variables: at DEBUG the metrics are shown too.
PLUGIN_LEVEL_ENVS = ("TAP_ASANA_LOGLEVEL", "LOGLEVEL")
QUIET_METRICS_LEVEL = "WARNING"
METRICS_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def metrics_log_level(config: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> str:
    """The level of the SDK's `singer_sdk.metrics` logger for this run.

    The SDK writes a METRIC line at INFO for every request (~100 MB of stderr on a large workspace), so
    the tap's default is WARNING, which silences them. `metrics_log_level` (config) or
    `TAP_ASANA_METRICS_LOG_LEVEL` set to INFO brings them back, as does a DEBUG plugin log level.
    """
    chosen = config.get("metrics_log_level") or environ.get(METRICS_LEVEL_ENV)
    if chosen:
        level = str(chosen).strip().upper()
        if level not in METRICS_LEVELS:
            raise click.UsageError(
                f"the metrics log level {chosen!r} (`metrics_log_level` or {METRICS_LEVEL_ENV}) is not one "
                f"of {', '.join(METRICS_LEVELS)}"
            )
        return level
    plugin = next((environ[name] for name in PLUGIN_LEVEL_ENVS if environ.get(name)), "")
    return "DEBUG" if plugin.strip().upper() == "DEBUG" else QUIET_METRICS_LEVEL


def apply_metrics_log_level(logger: logging.Logger, config: Mapping[str, Any]) -> None:
    """Set the metrics logger's level (after the SDK set it to the plugin's log level)."""
    logger.setLevel(metrics_log_level(config))


#: The SDK's notes at the start of every partition (unformatted, as the SDK passes them to the logger).
PARTITION_NOTES = (
    "Beginning sync of '%s' in %s mode with context keys: %s",
    "Starting incremental sync of '%s' with bookmark value: %s",
)


class RepeatedPartitionNote(logging.Filter):
    """Keeps the first of each of the SDK's per-partition start notes per stream, drops the repeats.

    A stream partitioned by task starts ~24k times on a large workspace: two INFO lines each, 24 MB of
    stderr and a few per cent of the tap's CPU, saying nothing the first line did not. At DEBUG every one
    is kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in PARTITION_NOTES or logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return True
        if record.msg in self._seen:
            return False
        self._seen.add(record.msg)
        return True

    def drops(self, msg: object, logger: logging.Logger) -> bool:
        """Whether `filter` would drop a record of `msg` on `logger` (nothing is remembered)."""
        return msg in self._seen and not logger.isEnabledFor(logging.DEBUG)


def quiet_repeated_partition_notes(logger: logging.Logger) -> None:
    """Install a fresh `RepeatedPartitionNote` on a stream's logger (where the SDK writes those notes): a
    new tap in the same process writes its own first notes again."""
    for old in [f for f in logger.filters if isinstance(f, RepeatedPartitionNote)]:
        logger.removeFilter(old)
    logger.addFilter(RepeatedPartitionNote())


def repeated_partition_note(logger: logging.Logger, msg: object) -> bool:
    """Whether `msg` is a partition note that `logger`'s filter would drop: the SDK makes a log record
    (~10 µs) before the filter sees it, some 150,000 times on a large workspace, so callers ask first."""
    for note_filter in logger.filters:
        if isinstance(note_filter, RepeatedPartitionNote):
            return note_filter.drops(msg, logger)
    return False


class QuietPartitionNotes(logging.LoggerAdapter):
    """A logger that skips the repeated partition notes before a record is made (the SDK's state manager
    writes one at the start of every incremental partition)."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """Log as the logger does, unless `msg` is a repeated partition note."""
        if not repeated_partition_note(self.logger, msg):
            super().log(level, msg, *args, **kwargs)
