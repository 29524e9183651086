"""TargetAsana: settings, one write run shared by the sinks, and the end-of-run summary."""

from __future__ import annotations

import logging
import sys
from functools import cached_property
from typing import Any

import click
from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError, FatalSyncError, MappingError

from asana_client import AUTH_PROPERTIES, CONNECTION_PROPERTIES, AsanaClient
from asana_client.cli import check_config_files, without_secrets
from asana_client.errors import AsanaAuthError
from asana_client.settings import api_url_problem
from target_asana.reader import InputReader
from target_asana.run import WriteRun
from target_asana.settings import TARGET_PROPERTIES, ConfigError, TargetSettings
from target_asana.sinks import sink_class
from target_asana.sinks.base import AsanaSink

#: Errors that end a run with one line saying what to fix (their messages carry no secret or body):
#: credentials, settings, unreadable input, and API failures (gave up, or a create left unsettled).
ONE_LINE_ERRORS = (AsanaAuthError, ConfigError, FatalSyncError, MappingError)


class TargetAsana(Target):
    """Singer target that writes records back into Asana: upserts without duplicates, only what differs."""

    name = "target-asana"
    # The distribution is `asana-singer` (`tap-asana` on PyPI is another project): `--version` and
    # `--about` look the version up under this name.
    package_name = "asana-singer"
    config_jsonschema = th.PropertiesList(
        *AUTH_PROPERTIES, *CONNECTION_PROPERTIES, *TARGET_PROPERTIES
    ).to_dict()
    message_reader_class = InputReader
    # Records of every stream are written by one run under one rate limit: one sink drains at a time.
    max_parallelism = 1

    @cached_property
    def run(self) -> WriteRun:
        """The client, lookups and counters every sink shares (built on first use, after config checks)."""
        logger = logging.getLogger("target-asana")
        problem = api_url_problem(str(self.config.get("api_url") or "https://app.asana.com/api/1.0"))
        if problem:
            raise ConfigError(problem)
        run = WriteRun(
            AsanaClient.from_config(self.config, logger=logger),
            TargetSettings.from_config(self.config),
            logger,
        )
        run.check_config()
        return run

    def get_sink_class(self, stream_name: str) -> type[AsanaSink]:
        return sink_class(stream_name, mapped=stream_name in TargetSettings.from_config(self.config).mappings)

    def process_endofpipe(self) -> None:
        """Drain every sink (state is emitted only after that), then the summary. Input that stopped
        early on a bad line is still written up to that line (with the state sent before it), then the
        run fails naming the line."""
        reader: InputReader = self.message_reader  # type: ignore[assignment]
        failure = reader.failure
        if failure is not None:
            self.logger.warning(
                "Stopped reading at line %d: writing the records read before it; nothing after it was read",
                reader.line_number,
            )
        rejected = self._finish()
        if failure is not None:
            raise failure
        if rejected and self.run.settings.fail_on_rejects:
            self.logger.error("failing the run: fail_on_rejects is set and records were rejected")
            sys.exit(1)

    def _finish(self) -> int:
        """Drain every sink and emit the state, then log the summary; the number of rejected records."""
        super().process_endofpipe()
        run = self.__dict__.get("run")
        if run is None:
            return 0
        for line in run.summary.lines(dry_run=run.dry_run):
            self.logger.info("%s", line)
        if run.summary.total("created") + run.summary.total("updated") + run.summary.total("deleted"):
            # Events caused by this run carry this user: how a two-way sync recognises its own echoes.
            # Only a note: every write is confirmed by now, so failing to read it must not fail the run.
            try:
                self.logger.info("target-asana: writes were made as user %s", run.lookup.me()["gid"])
            except ONE_LINE_ERRORS as exc:
                self.logger.warning("could not read the token's user for the summary: %s", exc)
        rejected: int = run.summary.total("rejected")
        if rejected:
            self.logger.warning(
                "%d record(s) rejected, with reasons, in %s", rejected, run.settings.rejects_file
            )
        run.client.close()
        return rejected

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """A missing or malformed `--config` file is a usage error naming the file (exit 2)."""
        check_config_files(value)
        return super().cb_config(ctx, param, value)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Bad settings, input, credentials and give-up errors end the run with one line that says what
        to fix; the state of records not confirmed by Asana has not been emitted."""
        try:
            super().invoke(*args, **kwargs)
        except ConfigValidationError as exc:
            raise without_secrets(exc) from None  # the SDK's messages quote the values they refuse
        except ONE_LINE_ERRORS as exc:
            click.echo(f"target-asana: {exc}", err=True)
            sys.exit(1)


if __name__ == "__main__":
    TargetAsana.cli()
