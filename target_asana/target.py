"""TargetAsana: settings, one write run shared by the sinks, and the end-of-run summary."""

from __future__ import annotations

import logging
import sys
from functools import cached_property
from typing import Any

import click
from singer_sdk import Target
from singer_sdk import typing as th

from asana_client import AUTH_PROPERTIES, CONNECTION_PROPERTIES, AsanaClient
from asana_client.errors import AsanaAuthError, RetriesExhaustedError
from target_asana.run import WriteRun
from target_asana.settings import TARGET_PROPERTIES, TargetSettings
from target_asana.sinks import sink_class
from target_asana.sinks.base import AsanaSink


class TargetAsana(Target):
    """Singer target that writes records back into Asana: upserts without duplicates, only what differs."""

    name = "target-asana"
    config_jsonschema = th.PropertiesList(
        *AUTH_PROPERTIES, *CONNECTION_PROPERTIES, *TARGET_PROPERTIES
    ).to_dict()
    # Records of every stream are written by one run under one rate limit: one sink drains at a time.
    max_parallelism = 1

    @cached_property
    def run(self) -> WriteRun:
        """The client, lookups and counters every sink shares (built on first use, after config checks)."""
        logger = logging.getLogger("target-asana")
        return WriteRun(
            AsanaClient.from_config(self.config, logger=logger),
            TargetSettings.from_config(self.config),
            logger,
        )

    def get_sink_class(self, stream_name: str) -> type[AsanaSink]:
        return sink_class(stream_name, mapped=stream_name in TargetSettings.from_config(self.config).mappings)

    def process_endofpipe(self) -> None:
        """Drain every sink (state is emitted only after that), then the summary."""
        super().process_endofpipe()
        run = self.__dict__.get("run")
        if run is None:
            return
        for line in run.summary.lines(dry_run=run.dry_run):
            self.logger.info("%s", line)
        if run.summary.total("created") + run.summary.total("updated") + run.summary.total("deleted"):
            # Events caused by this run carry this user: how a two-way sync recognises its own echoes.
            self.logger.info("target-asana: writes were made as user %s", run.lookup.me()["gid"])
        rejected = run.summary.total("rejected")
        if rejected:
            self.logger.warning(
                "%d record(s) rejected, with reasons, in %s", rejected, run.settings.rejects_file
            )
        run.client.close()
        if rejected and run.settings.fail_on_rejects:
            self.logger.error(
                "failing the run: fail_on_rejects is set and %d record(s) were rejected", rejected
            )
            sys.exit(1)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """Credential and give-up errors end the run with one line that says what to fix."""
        try:
            super().invoke(*args, **kwargs)
        except (AsanaAuthError, RetriesExhaustedError) as exc:
            click.echo(f"target-asana: {exc}", err=True)
            sys.exit(1)


if __name__ == "__main__":
    TargetAsana.cli()
