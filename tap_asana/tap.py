"""TapAsana: settings, the shared authenticator and rate limiter, and the stream list."""

from __future__ import annotations

import io
import json
import sys
from functools import cached_property
from typing import Any

import click
from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from asana_client.auth import Authenticator, build_authenticator
from asana_client.cli import check_config_files, require_json, without_secrets
from asana_client.errors import AsanaAuthError, RetriesExhaustedError
from asana_client.settings import AUTH_PROPERTIES, CONNECTION_PROPERTIES, ClientSettings
from asana_client.throttle import RateLimiter
from tap_asana.change_signals import ChangeSignals
from tap_asana.deletions import DeletionWatch
from tap_asana.logs import quiet_record_limit_aborts, quiet_routine_sdk_warnings
from tap_asana.memory import limit_malloc_arenas
from tap_asana.message_writer import JsonLinesWriter
from tap_asana.plan_summary import PlanGates
from tap_asana.preflight import PreflightError, check_catalog, check_config, check_connection, check_state
from tap_asana.read_ahead import ReadAhead, answer_size, shed_decoded
from tap_asana.refresh_pacing import MAX_HOURS, RefreshPacing
from tap_asana.state_pacing import DEFAULT_STATE_INTERVAL_SECONDS, PacedStateWriter
from tap_asana.streams import STREAM_TYPES


class TapAsana(Tap):
    """Singer tap for Asana."""

    name = "tap-asana"
    # The distribution is `asana-singer` (`tap-asana` on PyPI is another project): `--version` and
    # `--about` look the version up under this name.
    package_name = "asana-singer"
    #: msgspec-encoded JSON lines (tap_asana/message_writer.py).
    message_writer_class = JsonLinesWriter

    # The connection settings are the ones target-asana takes too (`asana_client.settings`).
    config_jsonschema = th.PropertiesList(
        *AUTH_PROPERTIES,
        th.Property(
            "start_date",
            th.DateTimeType,
            description="Earliest `modified_at` of tasks (and `created_at` of status updates, audit "
            "events) to extract on the first run.",
        ),
        th.Property(
            "workspaces",
            th.ArrayType(th.StringType),
            description="Only these workspaces (gids or names). Default: every workspace the token sees.",
        ),
        th.Property(
            "state_interval_seconds",
            th.IntegerType(minimum=0),
            default=DEFAULT_STATE_INTERVAL_SECONDS,
            description="Seconds between two STATE messages at most (plus one at the end and whenever the "
            "tap must keep a sync token); 0 writes one after every partition as the SDK does. A run "
            "killed with -9 re-reads what came after the last STATE.",
        ),
        th.Property(
            "metrics_log_level",
            th.StringType,
            description="Level of the SDK's per-request METRIC log lines: WARNING (default, silent) or INFO "
            "to see them (also TAP_ASANA_METRICS_LOG_LEVEL, or a DEBUG plugin log level).",
        ),
        th.Property(
            "webhook_queue",
            th.StringType,
            description="Queue file of `asana-webhooks serve`: when set, stream `webhook_events` drains it.",
        ),
        th.Property(
            "change_signals",
            th.BooleanType,
            default=True,
            description="Read a project's sections again only when its events say they changed "
            "(tap_asana/change_signals.py); false reads them every run.",
        ),
        th.Property(
            "full_table_refresh_hours",
            th.IntegerType(minimum=0, maximum=MAX_HOURS),
            default=0,
            description="Read the streams no change signal covers (memberships, statuses, custom field "
            "settings, templates, out-of-office entries, users' task lists...) only when their last read "
            "is this many hours old; in between their rows may be that old. 0 (default) reads them every "
            "run.",
        ),
        *CONNECTION_PROPERTIES,
    ).to_dict()

    @cached_property
    def client_settings(self) -> ClientSettings:
        """The connection settings of the config, defaults applied."""
        return ClientSettings.from_config(self.config)

    @cached_property
    def authenticator(self) -> Authenticator:
        """One authenticator per tap, so OAuth refreshes once for every stream."""
        return build_authenticator(self.config)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """One limiter per tap instance: Asana's limits are per token, shared by every stream."""
        return RateLimiter(
            self.client_settings.requests_per_minute, self.client_settings.max_concurrent_requests
        )

    @cached_property
    def read_ahead(self) -> ReadAhead | None:
        """Workers that send the requests the sync needs next (tap_asana/read_ahead.py); None with
        `max_concurrent_requests: 1`, where every request is sent in order by the main thread."""
        workers = self.client_settings.max_concurrent_requests
        if workers <= 1:
            return None
        return ReadAhead(workers, size_of=answer_size, on_hold=shed_decoded)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        quiet_routine_sdk_warnings()
        limit_malloc_arenas()  # before any worker thread allocates (tap_asana/memory.py)
        self._other_parents_linked = False
        #: Whether the run wrote its last state (a SIGTERM after that has nothing to add).
        self._completed = False
        #: The workspaces' deletion events of this run (read before any stream).
        self.deletions: DeletionWatch | None = None
        super().__init__(*args, **kwargs)
        check_config(self.config)
        _ = self.state_writer  # paced from the first message on

    @cached_property
    def plan_gates(self) -> PlanGates:
        """Partitions refused for the plan (402/403), summarised once at the end of the run."""
        return PlanGates()

    @cached_property
    def change_signals(self) -> ChangeSignals:
        """Which full-table partitions the projects' events say are unchanged (change_signals.py)."""
        return ChangeSignals(self)

    @cached_property
    def refresh_pacing(self) -> RefreshPacing:
        """Which streams with no change signal rest in this run (`full_table_refresh_hours`)."""
        return RefreshPacing(self)

    def keeps_activate_version(self, stream: Stream) -> bool:
        """Whether `stream` may send ACTIVATE_VERSION in this run: not while partitions of it may be skipped
        (change signals, or resting under `full_table_refresh_hours`)."""
        return self.change_signals.keeps_activate_version(
            stream
        ) and self.refresh_pacing.keeps_activate_version(stream)

    def discover_streams(self) -> list:
        streams = [stream_type(tap=self) for stream_type in STREAM_TYPES]
        for stream in streams:
            quiet_record_limit_aborts(stream.logger)  # `--test`'s ERROR line per stream
        return streams

    @property
    def streams(self) -> dict[str, Stream]:
        """The SDK links each child to one parent type; also hang streams under their other parents."""
        streams = super().streams
        if not self._other_parents_linked:
            # After the SDK's own links, so each parent syncs its children in the same order as before.
            self._other_parents_linked = True
            for stream in streams.values():
                for parent_name in getattr(getattr(stream, "spec", None), "other_parents", ()):
                    streams[parent_name].child_streams.append(stream)
        return streams

    # The SDK marks `sync_all` final, but it is the one place that runs before any stream starts and
    # not during discovery (which needs no credentials); the SDK's own body runs unchanged.
    def sync_all(self) -> None:  # type: ignore[misc]
        """Before any stream: complete credentials, then (when a selected stream reads the API) one request
        that checks `api_url` and `workspaces`, and the workspaces' events for deletions; after the run: the
        tombstones of those deletions (tap_asana/deletions.py)."""
        _ = self.authenticator  # raises AsanaAuthError naming the missing settings
        deletions = self.deletions = DeletionWatch(self, [])
        if any(
            getattr(s, "reads_api", True) and (s.selected or s.has_selected_descendents)
            for s in self.streams.values()
        ):
            deletions.workspaces = check_connection(
                self.streams["workspaces"], list(self.config.get("workspaces") or [])
            )
            if deletions.wanted():
                deletions.read()
                if deletions.keep_first_tokens():
                    self.state_writer.flush(self.state)
                self.change_signals.start(deletions)
            self.refresh_pacing.start(deletions.workspaces, deletions.event_shapes)
        # Opt-in streams (`events`) are not part of the default selection.
        defaults = [s for s in self.streams.values() if s.selected_by_default]
        self.plan_gates.default_selection = all(s.selected for s in defaults)
        try:
            super().sync_all()
            # Tombstones first; then one state with the tokens, the remembered rows and the pacing times: a
            # run stopped in between keeps the old tokens, and reads again what they cover.
            if deletions.workspaces and deletions.wanted():
                deletions.emit()
            self.change_signals.finish()
            self.refresh_pacing.finish()
        except BaseException:
            # What the completed partitions earned (the SDK had written it after each of them, unpaced).
            deletions.keep_after_failure()
            self.state_writer.flush(self.state)
            raise
        finally:
            if self.read_ahead is not None:
                self.read_ahead.close()
            self.plan_gates.report(self.logger)
        self.state_writer.flush(self.state)  # the run's last state, whatever the pacing held back
        self._completed = True

    @property
    def state_writer(self) -> PacedStateWriter:
        """The SDK's writer, paced (tap_asana/state_pacing.py): STATE at most every `state_interval_seconds`
        seconds."""
        writer = self._state_writer
        if not isinstance(writer, PacedStateWriter):
            interval = self.config.get("state_interval_seconds", DEFAULT_STATE_INTERVAL_SECONDS)
            writer = self._state_writer = PacedStateWriter(self.message_writer, float(interval))
        return writer

    def _handle_termination(self, signum: int, frame: Any) -> None:
        """SIGTERM: the state so far is written whatever the pacing (the SDK then writes it too)."""
        if self.deletions is not None and not self._completed:
            self.deletions.keep_after_failure()
        self.state_writer.flush(self.state)
        super()._handle_termination(signum, frame)

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """A missing or malformed `--config` file is a usage error naming the file (exit 2)."""
        check_config_files(value)
        return super().cb_config(ctx, param, value)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Bad input files, credential and give-up errors end the run with one line that says what to fix."""
        for option, check in (("state", check_state), ("catalog", check_catalog)):
            if (handle := kwargs.get(option)) is not None:
                text = handle.read()
                name = getattr(handle, "name", option)
                require_json(text, name, f"--{option}")
                try:
                    check(json.loads(text), name)
                except PreflightError as exc:
                    raise click.BadParameter(str(exc), param_hint=f"'--{option}'") from None
                kwargs[option] = io.StringIO(text)  # the SDK reads it again
        try:
            super().invoke(*args, **kwargs)
        except ConfigValidationError as exc:
            # The SDK's messages quote the values they refuse: secrets are left out.
            raise click.UsageError("invalid settings: " + "; ".join(without_secrets(exc).errors)) from None
        except PreflightError as exc:
            raise click.UsageError(str(exc)) from None
        except (AsanaAuthError, RetriesExhaustedError) as exc:
            cls.logger.error("%s", exc)  # one line; a traceback adds nothing for the user
            sys.exit(1)


if __name__ == "__main__":
    TapAsana.cli()
