"""What all sinks of one target run share: the client, the lookups, the counters and the rejects file."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asana_client import AsanaClient, AsanaOAuthAuthenticator
from target_asana.calls import Dispatcher
from target_asana.lookup import Lookup
from target_asana.outcomes import RejectsFile, RunSummary
from target_asana.settings import TargetSettings

if TYPE_CHECKING:
    from target_asana.sinks.base import AsanaSink


@dataclass
class WriteRun:
    """One run of the target: shared by every sink, safe to use from several threads."""

    client: AsanaClient
    settings: TargetSettings
    logger: logging.Logger
    summary: RunSummary = field(default_factory=RunSummary)
    sinks: list[AsanaSink] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.lookup = Lookup(self.client)
        self.dispatcher = Dispatcher(self.client, use_batch_api=self.settings.use_batch_api)
        self.rejects = RejectsFile(self.settings.rejects_file)

    def check_config(self) -> None:
        """Settings that would make every write fail or every record be rejected stop the run before it
        writes anything (`ConfigError`); asks Asana only when a setting names something in it."""
        self.rejects.check()
        if self.settings.workspace is not None:
            self.lookup.workspace(self.settings.workspace)
        if self.settings.mappings:
            workspace = self.lookup.workspace(self.settings.workspace)
            for stream, mapping in self.settings.mappings.items():
                mapping.check(stream, self.lookup, workspace, oauth=self.oauth)

    @property
    def dry_run(self) -> bool:
        return self.settings.dry_run

    @property
    def oauth(self) -> bool:
        """OAuth tokens can set and read a task's `external` id; Personal Access Tokens cannot."""
        return isinstance(self.client.authenticator, AsanaOAuthAuthenticator)

    def register(self, sink: AsanaSink) -> None:
        with self.lock:
            self.sinks.append(sink)

    def sinks_before(self, sink: AsanaSink) -> list[AsanaSink]:
        """Sinks holding objects that `sink`'s records may refer to (lower rank), with records waiting."""
        with self.lock:
            return sorted(
                (s for s in self.sinks if s.rank < sink.rank and s.current_size > 0), key=lambda s: s.rank
            )
