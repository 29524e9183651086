"""Tables that no change signal covers, read again at most every `full_table_refresh_hours` (opt-in).

Tasks, their children, sections and the deletions have change signals (`modified_since`, the projects' and
workspaces' events): an incremental run reads only what changed. Project memberships, custom field
settings, statuses, templates, budgets, rates, access requests, out-of-office entries, users' task lists and
the like have none that Asana documents, so by default every run reads them all again: on a large workspace
two thirds of an hourly run's requests, to find them unchanged. With `full_table_refresh_hours: N` a run
reads those streams (`PACED`) only when their last complete read started N hours ago or more; in between,
their partitions are skipped and their rows in the warehouse are up to N hours old, by choice.

* Due or resting is decided per stream, once per run: a stream rests when each workspace of the run has a
  read of it that started less than N hours ago (`workspaces` stream state, key `full_table_refreshed`:
  stream -> workspace -> start of the run that read it) and no workspace event of this run says a row of
  its kind was added or changed (`signalled_stream`). A stream newly selected, or a workspace newly added,
  makes the stream due everywhere; a read keeps the times of its own workspaces only (its ACTIVATE_VERSION
  dropped the others' rows), and a stream left out of a run loses its times.
* A resting stream sends no ACTIVATE_VERSION (a loader would delete the rows it did not read); a due one
  reads every partition and sends it as any full-table stream does.
* Only partitions under no task are paced: a task's attachments and stories (read for the tasks that
  changed) are not. Streams with children are not paced either (their records are the children's
  partitions), except a project's briefs, which rest only while the attachments do (`PACED_PARENTS`).
* The times are written at the end of a run that completed, so a run that died reads its due streams again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from asana_client.timestamps import format_timestamp, parse_timestamp
from tap_asana.deletions import STREAMS_BY_TYPE

if TYPE_CHECKING:
    from singer_sdk import Stream, Tap
    from singer_sdk.helpers.types import Context

SETTING = "full_table_refresh_hours"
#: Key of the `workspaces` stream state: stream -> workspace gid -> when the last run that read it started.
STATE_KEY = "full_table_refreshed"

#: Streams whose changes nothing the tap reads announces. Parents of other streams are left out (but see
#: `PACED_PARENTS`), as are streams with cursors of their own (tasks, audit log, events) and sections
#: (tap_asana/change_signals.py).
#: `status_updates`, `stories` and `attachments` have a `created_at` bookmark, but each partition still
#: costs its call every run; resting them defers new rows, it loses none.
PACED: frozenset[str] = frozenset(
    {
        "users",
        "user_task_lists",
        "ooo_entries",
        "team_memberships",
        "tags",
        "custom_fields",
        "roles",
        "agents",
        "project_memberships",
        "memberships",
        "custom_field_settings",
        "custom_types",
        "project_statuses",
        "status_updates",
        "task_templates",
        "project_templates",
        "budgets",
        "rates",
        "access_requests",
        "allocations",
        "time_tracking_categories",
        "timesheet_approval_statuses",
        "time_periods",
        "webhooks",
        "goal_relationships",
        "portfolio_items",
        "portfolio_memberships",
        "project_portfolio_settings",
        "stories",
        "attachments",
        "project_briefs",
    }
)
#: Paced streams that are parents of paced ones: such a stream rests only when those children rest too
#: (a due child must have its partitions, which are the parent's records).
PACED_PARENTS: dict[str, tuple[str, ...]] = {"project_briefs": ("attachments",)}
#: Context key of the partitions never paced: a task's children are read when the task changed.
TASK_KEY = "task_gid"


#: Workspaces the start-up check reads (one page): with as many or more, nothing rests.
WORKSPACES_PAGE = 100
#: Longest interval (a year): longer is "never", which no setting should mean.
MAX_HOURS = 8760


def signalled_stream(kind: str, action: str, parent: str | None) -> str | None:
    """The paced stream that an event says gained or changed a row, if any. Deletions are left out (their
    tombstones come anyway), as are a task's stories and attachments (read with the task when it changed)."""
    stream = STREAMS_BY_TYPE.get(kind)
    if stream not in PACED or action in ("deleted", "removed"):
        return None
    if stream in ("stories", "attachments") and parent in (None, "task"):
        return None
    return stream


class RefreshPacing:
    """Which paced streams rest in this run; the tap's `refresh_pacing`."""

    def __init__(self, tap: Tap) -> None:
        self.tap = tap
        hours = tap.config.get(SETTING) or 0
        self.interval = timedelta(hours=float(hours))
        #: When this run started: what it reads is at least as new as this.
        self.started = datetime.now(timezone.utc)
        #: Paced streams not read in this run.
        self.resting: frozenset[str] = frozenset()
        self.workspaces: list[str] = []
        self._kept: dict[str, dict[str, str]] = {}

    @property
    def enabled(self) -> bool:
        return self.interval > timedelta(0)

    def start(
        self, workspaces: Iterable[str], event_shapes: Iterable[tuple[str, str, str | None]] = ()
    ) -> None:
        """Before any stream: which paced streams were read recently enough in every workspace to rest.
        `event_shapes` are the workspaces' events of this run (tap_asana/deletions.py): a paced stream whose
        objects one of them says were added or changed is read now."""
        self.workspaces = list(workspaces)
        self._kept = self._load(self._state().get(STATE_KEY))
        if not (self.enabled and self.workspaces):
            return
        if len(self.workspaces) >= WORKSPACES_PAGE:
            # The start-up check reads one page of workspaces: the rest would never be due.
            self.tap.logger.warning("%s: off with %d+ workspaces (read every run)", SETTING, WORKSPACES_PAGE)
            return
        signalled = {name for shape in event_shapes if (name := signalled_stream(*shape)) is not None}
        resting = set()
        for name in PACED - signalled:
            times = self._kept.get(name, {})
            if all(self._recent(times.get(w)) for w in self.workspaces):
                resting.add(name)
        for parent, children in PACED_PARENTS.items():
            if any(child not in resting and self._selected(child) for child in children):
                resting.discard(parent)
        self.resting = frozenset(resting)
        if self.resting:
            self.tap.logger.info(
                "%s: %d stream(s) read less than %s h ago rest in this run: %s",
                SETTING,
                len(self.resting),
                f"{self.interval.total_seconds() / 3600:g}",
                ", ".join(sorted(self.resting)),
            )

    def skips(self, stream: Stream, context: Context | None) -> bool:
        """Whether this partition of `stream` is not read in this run."""
        return stream.name in self.resting and not (context or {}).get(TASK_KEY)

    def keeps_activate_version(self, stream: Stream) -> bool:
        """A resting stream sends no ACTIVATE_VERSION: the rows it did not read are still Asana's."""
        return stream.name not in self.resting

    def finish(self) -> None:
        """After a completed run: the start of this run for each paced stream it read in full."""
        if not (self.enabled and self.workspaces):
            return
        # A stream not selected in this run is forgotten: selected again, it is read at once (its rows may
        # have missed tombstones while it was not synced).
        kept = {
            name: dict(times) for name, times in self._kept.items() if name in PACED and self._selected(name)
        }
        when = format_timestamp(self.started)
        for name in sorted(PACED - self.resting):
            if self._selected(name):
                # This run's workspaces only: its ACTIVATE_VERSION dropped the rows of any other.
                kept[name] = dict.fromkeys(self.workspaces, when)
        self._state()[STATE_KEY] = kept

    def _selected(self, name: str) -> bool:
        stream = self.tap.streams.get(name)
        return stream is not None and stream.selected

    def _recent(self, value: str | None) -> bool:
        try:
            at = parse_timestamp(value)
        except ValueError:
            return False  # malformed: read again (costs requests, loses nothing)
        return at is not None and timedelta(0) <= self.started - at < self.interval

    @staticmethod
    def _load(value: Any) -> dict[str, dict[str, str]]:
        if not isinstance(value, dict):
            return {}
        return {
            str(name): {str(w): t for w, t in times.items() if isinstance(t, str)}
            for name, times in value.items()
            if isinstance(times, dict)
        }

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.tap.streams["workspaces"].get_context_state(None)
        return state
