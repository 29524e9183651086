"""The durable queue between the receiver and tap-asana: one SQLite file in WAL mode.

Each accepted event becomes a row with a sequence number that only grows (`AUTOINCREMENT`: a number is
never reused, even after the rows below it are drained), so a reader's bookmark is the highest sequence
it has passed on. An event is identified by a digest of its webhook path and its canonical JSON; digests
are remembered for `SEEN_RETENTION` after the event itself is drained, so a delivery Asana sends again
(it retries for 24 hours) is stored once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from asana_client.timestamps import format_timestamp

#: How long a drained event's digest is kept to recognise a replay (Asana retries for 24 hours).
SEEN_RETENTION = timedelta(days=7)
#: Rows read per query while draining.
READ_BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    digest TEXT NOT NULL,
    hook TEXT NOT NULL,
    webhook_gid TEXT,
    received_at TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (digest TEXT PRIMARY KEY, first_seen TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_by_age ON seen (first_seen);
"""


class QueueError(Exception):
    """The queue file cannot be opened or written (the message names the file, never an event)."""


@dataclass(frozen=True)
class QueuedEvent:
    """One stored event and where it came from."""

    seq: int
    event_id: str
    hook: str
    webhook_gid: str | None
    received_at: str
    event: dict[str, Any]


@dataclass(frozen=True)
class AppendResult:
    """What one delivery added: events stored, and events already stored before (replays)."""

    stored: int
    duplicates: int


def event_digest(hook: str, event: Mapping[str, Any]) -> str:
    """The id of `event` as delivered to webhook path `hook`: SHA-256 of both, in canonical JSON."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{hook}\n{canonical}".encode()).hexdigest()


class EventQueue:
    """Thread-safe access to one queue file (a connection per thread); several processes may share it."""

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout: float = 5.0, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        if not self.path.exists():
            if not create:
                raise QueueError(f"no webhook queue at {self.path}")
            _create_private_file(self.path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            conn = self._conn
            conn.executescript(_SCHEMA)
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('queue_id', ?)", (uuid.uuid4().hex,)
            )
            self.queue_id: str = conn.execute("SELECT value FROM meta WHERE key = 'queue_id'").fetchone()[0]
        except sqlite3.Error as exc:
            self.close()
            raise QueueError(f"cannot use {self.path} as a webhook queue: {exc}") from None

    @property
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # Autocommit mode: transactions are explicit, so a write is durable when `append` returns.
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before the receiver answers 200, power loss included.
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    # -- writing ----------------------------------------------------------------------------------
    def append(
        self,
        hook: str,
        events: Iterable[Mapping[str, Any]],
        *,
        webhook_gid: str | None = None,
        received_at: datetime | None = None,
    ) -> AppendResult:
        """Store the events of one delivery in one transaction, each at most once; durable on return."""
        when = format_timestamp(received_at or datetime.now(timezone.utc))
        stored = duplicates = 0
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for event in events:
                    digest = event_digest(hook, event)
                    fresh = conn.execute(
                        "INSERT OR IGNORE INTO seen (digest, first_seen) VALUES (?, ?)", (digest, when)
                    ).rowcount
                    if not fresh:
                        duplicates += 1
                        continue
                    conn.execute(
                        "INSERT INTO events (digest, hook, webhook_gid, received_at, event)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (digest, hook, webhook_gid, when, json.dumps(event, ensure_ascii=False)),
                    )
                    stored += 1
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise QueueError(f"cannot write to the webhook queue {self.path}: {exc}") from None
        return AppendResult(stored, duplicates)

    def delete_through(self, seq: int) -> int:
        """Drop the events up to `seq` (a reader has passed them on) and digests past retention."""
        horizon = format_timestamp(datetime.now(timezone.utc) - SEEN_RETENTION)
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                deleted = conn.execute("DELETE FROM events WHERE seq <= ?", (seq,)).rowcount
                conn.execute("DELETE FROM seen WHERE first_seen < ?", (horizon,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise QueueError(f"cannot drain the webhook queue {self.path}: {exc}") from None
        return int(deleted)

    # -- reading ----------------------------------------------------------------------------------
    def max_seq(self) -> int:
        """The highest sequence number ever given (0 for a new queue), drained rows included."""
        row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return int(row[0]) if row else 0

    def count(self) -> int:
        """Events waiting in the queue."""
        return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def read(self, after: int = 0, through: int | None = None) -> Iterator[QueuedEvent]:
        """The events with `after < seq <= through` in sequence order, read in batches."""
        last = self.max_seq() if through is None else through
        while after < last:
            rows = self._conn.execute(
                "SELECT seq, digest, hook, webhook_gid, received_at, event FROM events"
                " WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (after, last, READ_BATCH),
            ).fetchall()
            if not rows:
                return
            for seq, digest, hook, webhook_gid, received_at, event in rows:
                yield QueuedEvent(seq, digest, hook, webhook_gid, received_at, json.loads(event))
            after = rows[-1][0]

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> EventQueue:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _create_private_file(path: Path) -> None:
    """An empty file readable by its owner only (SQLite gives its WAL and shm files the same mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise QueueError(f"cannot create the webhook queue {path}: {exc.strerror or exc}") from None
