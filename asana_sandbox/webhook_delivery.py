"""Webhook handshakes and deliveries: what Asana's servers do for a webhook, run in a background thread.

`POST /webhooks` calls `handshake` while the create is in flight (the one place where the sandbox waits on a
target). Established webhooks are `register`ed; from then on every event the store logs that the webhook's
resource sees and its filters let through is queued for it, batched for `batch_window_ms`, and POSTed signed
(`X-Hook-Signature`: hex HMAC-SHA256 of the raw body keyed by the secret). A failed delivery (non-2xx,
no answer within `timeout_seconds`) is retried with exponential backoff; a webhook with no successful delivery
for 24 hours is deleted; every 8 hours each webhook gets a heartbeat (`{"events":[]}`). Asana documents these
rules (asana-api.md 3.5) but not its backoff steps: the sandbox waits `retry_base_seconds` x 2^(n-1), at most
an hour.

Retries, heartbeats and the 24-hour deletion run on a delivery clock that tests move forward (`advance`),
so hours pass in milliseconds. A slow or dead target only ever holds its own webhook's delivery thread,
never an API request. Webhooks that did not shake hands here (a dataset's) are records only: nothing is sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import ssl
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from asana_sandbox.models.changes import listen, unlisten
from asana_sandbox.models.records import Record
from asana_sandbox.store import Store

HEARTBEAT_SECONDS = 8 * 3600
DELETION_SECONDS = 24 * 3600
RETRY_CAP_SECONDS = 3600.0
MAX_BATCH = 100  # events per delivery; Asana documents none, the Events API pages by 100
FAILURE_CONTENT_CHARS = 500
STOP_WAIT_SECONDS = 1.0
# Task, subtask and story events never reach webhooks on larger-scoped resources (asana-api.md 3.5).
LARGER_SCOPED = ("workspace", "team", "portfolio")
NOT_PROPAGATED_UP = ("task", "story")


@dataclass
class WebhookSettings:
    """What tests and demos may change at run time (`POST /_sandbox/webhooks`)."""

    allow_loopback: bool = False
    timeout_seconds: float = 10.0
    retry_base_seconds: float = 60.0
    batch_window_ms: int = 100


@dataclass
class _Answer:
    """A target's answer to one POST, or why there was none (`error`)."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and 200 <= self.status < 300

    def failure_content(self) -> str:
        """`last_failure_content` as the spec's example shows it: `500 Server Error\\n\\n<body>`."""
        if self.error:
            return self.error
        reason = http.client.responses.get(self.status, "")
        return f"{self.status} {reason}\n\n{self.body}".strip()


@dataclass
class _Hook:
    """What the deliverer keeps of one established webhook besides its record in the store."""

    gid: str
    since: int  # sequence number of the last event logged before the webhook existed
    last_heartbeat: float
    pending: deque[tuple[float, Record]] = field(default_factory=deque)  # (monotonic time queued, event)
    heartbeat_owed: bool = True  # the heartbeat that follows the handshake
    busy: bool = False  # a delivery to this webhook is in flight
    sending: int = 0  # how many of the first pending events that delivery carries
    first_failure: float | None = None  # delivery clock; None while deliveries succeed
    next_attempt: float | None = None  # delivery clock; None unless waiting to retry
    counters: Counter[str] = field(default_factory=Counter)


def iso(timestamp: float) -> str:
    """Asana's timestamp format (UTC, milliseconds, Z) of a POSIX time."""
    moment = datetime.fromtimestamp(timestamp, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def signature(secret: str, body: bytes) -> str:
    """`X-Hook-Signature`: the lowercase hex HMAC-SHA256 of the raw body, keyed by the webhook's secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_loopback(host: str) -> bool:
    """`localhost`, `*.localhost` or a loopback address: what `allow_loopback` lets through."""
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> _Answer:
    """One POST to a target; a connection error or timeout is an answer with `error` set."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = conn.getresponse()
        text = response.read(FAILURE_CONTENT_CHARS * 4).decode("utf-8", "replace")[:FAILURE_CONTENT_CHARS]
        return _Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
    except TimeoutError:
        return _Answer(error=f"Timed out after {timeout:g} seconds")
    except (OSError, http.client.HTTPException) as error:
        return _Answer(error=f"Could not connect to the target: {type(error).__name__}: {error}")
    finally:
        conn.close()


@contextlib.contextmanager
def _released(lock: Any) -> Iterator[None]:
    """Let go of an RLock this thread holds (however many times over) for the duration, then take it back.

    `threading.Condition.wait` does the same with the same two RLock methods.
    """
    if not lock._is_owned():
        yield
        return
    state = lock._release_save()
    try:
        yield
    finally:
        lock._acquire_restore(state)


def passes(event: Record, resource_type: str | None, filters: Iterable[Record]) -> bool:
    """Whether a webhook on a `resource_type` resource with `filters` delivers `event`.

    No filter: every event. Otherwise an event passes if it passes any filter, and each set field of a
    filter must match; `fields` matches a `changed` event whose change names one of them.
    """
    kind = (event.get("resource") or {}).get("resource_type")
    if resource_type in LARGER_SCOPED and kind in NOT_PROPAGATED_UP:
        return False
    filters = list(filters or ())
    if not filters:
        return True
    return any(_passes_one(event, f) for f in filters)


def _passes_one(event: Record, found: Record) -> bool:
    resource = event.get("resource") or {}
    if found.get("resource_type") and found["resource_type"] != resource.get("resource_type"):
        return False
    if found.get("resource_subtype") and found["resource_subtype"] != resource.get("resource_subtype"):
        return False
    if found.get("action") and found["action"] != event.get("action"):
        return False
    if found.get("fields"):
        change = event.get("change") or {}
        return event.get("action") == "changed" and change.get("field") in found["fields"]
    return True


class WebhookDeliverer:
    """Handshakes, signed batched deliveries, retries, heartbeats and counters for one sandbox's webhooks."""

    def __init__(self, store: Store, settings: WebhookSettings | None = None) -> None:
        self.store = store
        self.settings = settings or WebhookSettings()
        self.offset = 0.0  # the delivery clock's lead on the wall clock, in seconds
        self._hooks: dict[str, _Hook] = {}
        self._cond = threading.Condition()  # guards _hooks' states and the counters; taken after store.lock
        self._wake = threading.Event()
        self._seen = len(store.events)  # events before the deliverer existed are nobody's
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._workers: set[threading.Thread] = set()
        self.counters: Counter[str] = Counter()
        listen(store, self._wake.set)

    # -- time -----------------------------------------------------------------------------------------
    def now(self) -> float:
        """The delivery clock (POSIX seconds): the wall clock plus what tests advanced it by."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the delivery clock forward, then run what became due (retries, heartbeats, deletions)."""
        if seconds < 0:
            raise ValueError("advance_seconds: Must be a number of seconds, 0 or more")
        with self._cond:
            self.offset += seconds
        self._run_due(lambda hook: self._due(hook, ignore_window=True))
        return self.stats()

    # -- the create's handshake -----------------------------------------------------------------------
    def handshake(self, target: str, secret: str) -> bool:
        """POST `X-Hook-Secret` to `target`; true when it answers 200 or 204 echoing the same secret.

        The create that calls this holds the store's lock; it is let go while the target answers, so that a
        slow target (up to the timeout) holds up the create only, not every other request.
        """
        with _released(self.store.lock):
            answer = post(target, b"", {"X-Hook-Secret": secret}, self.settings.timeout_seconds)
        echoed = answer.headers.get("x-hook-secret", "")
        ok = not answer.error and answer.status in (200, 204) and hmac.compare_digest(echoed, secret)
        with self._cond:
            self.counters["handshakes_succeeded" if ok else "handshakes_failed"] += 1
        return ok

    def register(self, hook: Record) -> None:
        """Deliver to a webhook that just shook hands: the events logged from now on, a heartbeat first."""
        with self.store.lock, self._cond:
            if self._stopping:
                return
            self._hooks[hook["gid"]] = _Hook(
                hook["gid"], since=len(self.store.events), last_heartbeat=self.now()
            )
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="asana-sandbox-webhooks", daemon=True)
                self._thread.start()
        self._wake.set()

    # -- control --------------------------------------------------------------------------------------
    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change settings from a control request's body; a bad value raises ValueError naming it."""
        checks: dict[str, Callable[[Any], bool]] = {
            "allow_loopback": lambda v: isinstance(v, bool),
            "timeout_seconds": lambda v: _number(v) and 0 < v <= 60,
            "retry_base_seconds": lambda v: _number(v) and 0 < v <= 86400,
            "batch_window_ms": lambda v: _number(v) and 0 <= v <= 60000,
        }
        for name, value in changes.items():
            if name not in checks:
                raise ValueError(f"{name}: Not a webhook setting (use {', '.join(checks)})")
            if not checks[name](value):
                raise ValueError(f"{name}: Not a valid value: {value!r}")
        with self._cond:
            for name, value in changes.items():
                setattr(self.settings, name, int(value) if name == "batch_window_ms" else value)
        self._wake.set()
        return self.stats()

    def flush(self, wait_seconds: float = 30.0) -> dict[str, Any]:
        """Deliver every queued event now, not waiting for the batch window; return when none is left.

        A webhook waiting to retry a failed delivery keeps waiting (move the clock with `advance`); one whose
        delivery fails during the flush is left with its events for its retry.
        """
        self._run_due(lambda hook: self._due(hook, ignore_window=True), wait_seconds)
        return self.stats()

    def heartbeat(self) -> dict[str, Any]:
        """Send a heartbeat to every established webhook now."""
        self._run_due(lambda hook: "heartbeat", rounds=1)
        return self.stats()

    def stats(self) -> dict[str, Any]:
        """The counters and settings that `GET /_sandbox/webhooks` reports."""
        with self.store.lock, self._cond:
            by_webhook = {}
            for hook in self._hooks.values():
                record = self.store.get(hook.gid, "webhook")
                if record is None:
                    continue
                by_webhook[hook.gid] = {
                    "target": record["target"],
                    "resource": (record.get("resource") or {}).get("gid"),
                    "active": record.get("active"),
                    "pending_events": len(hook.pending),
                    **{k: hook.counters[k] for k in _HOOK_COUNTERS},
                    **{k: record.get(k) for k in _RECORD_FIELDS},
                }
            counters = self.counters
            return {
                **asdict(self.settings),
                "clock": iso(self.now()),
                "clock_offset_seconds": self.offset,
                "pending_events": sum(len(h.pending) for h in self._hooks.values()),
                "handshakes": {
                    "succeeded": counters["handshakes_succeeded"],
                    "failed": counters["handshakes_failed"],
                },
                "deliveries": {k: counters[k] for k in (*_HOOK_COUNTERS, "retries", "dropped_at_shutdown")},
                "webhooks_deleted": counters["webhooks_deleted"],
                "by_webhook": by_webhook,
            }

    def stop(self) -> None:
        """Stop delivering: queued events are dropped (and counted); an in-flight POST gets a second."""
        unlisten(self.store, self._wake.set)
        with self._cond:
            self._stopping = True
            for hook in self._hooks.values():
                # Events of a delivery in flight stay until it is answered; the others are dropped.
                dropped = len(hook.pending) - hook.sending
                self.counters["dropped_at_shutdown"] += dropped
                for _ in range(dropped):
                    hook.pending.pop()
            workers = list(self._workers)
        self._wake.set()
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for thread in [self._thread, *workers]:
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    # -- the background loop --------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before looking, so that a change logged while we look wakes the next wait
            self._collect()
            wait = 1.0
            with self._cond:
                for hook in list(self._hooks.values()):
                    if hook.busy:
                        continue
                    kind = self._due(hook)
                    if kind:
                        hook.busy = True
                        worker = threading.Thread(
                            target=self._work, args=(hook, kind), name="asana-sandbox-webhook", daemon=True
                        )
                        self._workers.add(worker)
                        worker.start()
                    else:
                        wait = min(wait, self._until_due(hook))
            self._wake.wait(max(0.005, wait))

    def _work(self, hook: _Hook, kind: str) -> None:
        try:
            self._attempt(hook, kind)
        finally:
            with self._cond:
                hook.busy = False
                self._workers.discard(threading.current_thread())
                self._cond.notify_all()
            self._wake.set()

    def _collect(self) -> None:
        """Queue the events logged since the last look for the webhooks that see them; forget deleted ones."""
        with self.store.lock:
            log = self.store.events
            new = log[self._seen :]
            self._seen = len(log)
            with self._cond:
                for gid in [g for g in self._hooks if self.store.get(g, "webhook") is None]:
                    del self._hooks[gid]
                if not new:
                    return
                queued = time.monotonic()
                for hook in self._hooks.values():
                    record = self.store.objects[hook.gid]
                    resource = record.get("resource") or {}
                    watched = self.store.get(resource.get("gid", "")) or resource
                    kind, filters = watched.get("resource_type"), record.get("filters") or ()
                    for sequence, event, scopes in new:
                        if (
                            sequence > hook.since
                            and resource.get("gid") in scopes
                            and passes(event, kind, filters)
                        ):
                            hook.pending.append((queued, event))

    def _due(self, hook: _Hook, *, ignore_window: bool = False) -> str | None:
        """What to send this webhook now: "events", "heartbeat" or nothing. Called under `_cond`."""
        clock = self.now()
        if hook.next_attempt is not None:
            if clock < hook.next_attempt:
                return None
            return "events" if hook.pending else "heartbeat"
        if hook.pending and (
            ignore_window or time.monotonic() - hook.pending[0][0] >= self.settings.batch_window_ms / 1000
        ):
            return "events"
        if hook.heartbeat_owed or clock - hook.last_heartbeat >= HEARTBEAT_SECONDS:
            return "heartbeat"
        return None

    def _until_due(self, hook: _Hook) -> float:
        """Seconds until something may be due for this webhook (the loop's sleep)."""
        clock = self.now()
        if hook.next_attempt is not None:
            return hook.next_attempt - clock
        if hook.pending:
            return self.settings.batch_window_ms / 1000 - (time.monotonic() - hook.pending[0][0])
        return hook.last_heartbeat + HEARTBEAT_SECONDS - clock

    def _run_due(
        self, due: Callable[[_Hook], str | None], wait_seconds: float = 30.0, rounds: int = 0
    ) -> None:
        """In the caller's thread: send each webhook what `due` says until nothing is due (or `rounds` each).

        Deliveries already in flight are waited for, so that the caller sees their outcome; a webhook whose
        delivery fails is not tried again by this call.
        """
        deadline = time.monotonic() + wait_seconds
        self._collect()
        sent: Counter[str] = Counter()
        failed: set[str] = set()
        while time.monotonic() < deadline:
            with self._cond:
                hooks = [
                    h
                    for h in self._hooks.values()
                    if h.gid not in failed and (not rounds or sent[h.gid] < rounds)
                ]
                work = [(h, kind) for h in hooks if not h.busy and (kind := due(h))]
                if not work:
                    if any(h.busy for h in hooks):
                        self._cond.wait(max(0.0, deadline - time.monotonic()))
                        continue
                    return
                for hook, _ in work:
                    hook.busy = True
            for hook, kind in work:
                ok = False
                try:
                    ok = self._attempt(hook, kind)
                finally:
                    with self._cond:
                        hook.busy = False
                        self._cond.notify_all()
                sent[hook.gid] += 1
                if not ok:
                    failed.add(hook.gid)
            self._wake.set()

    # -- one delivery ---------------------------------------------------------------------------------
    def _attempt(self, hook: _Hook, kind: str) -> bool:
        """POST one batch (or a heartbeat) to the webhook's target and record the outcome on the webhook."""
        with self.store.lock:
            record = self.store.get(hook.gid, "webhook")
            if record is None:
                return False
            target, secret = record["target"], record["_secret"]
        with self._cond:
            batch = [event for _, event in list(hook.pending)[:MAX_BATCH]] if kind == "events" else []
            hook.sending = len(batch)
            retry = hook.next_attempt is not None
        body = json.dumps({"events": batch}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Hook-Signature": signature(secret, body)}
        answer = post(target, body, headers, self.settings.timeout_seconds)
        clock = self.now()
        with self.store.lock, self._cond:
            hook.sending = 0
            hook.counters["attempted"] += 1
            self.counters["attempted"] += 1
            if retry:
                self.counters["retries"] += 1
            if self.store.get(hook.gid, "webhook") is None:  # deleted while the POST was in flight
                return answer.ok
            if answer.ok:
                self._succeeded(hook, batch, clock)
            else:
                self._failed(hook, answer, clock)
            return answer.ok

    def _succeeded(self, hook: _Hook, batch: list[Record], clock: float) -> None:
        for _ in batch:
            hook.pending.popleft()
        for key in ("succeeded", "events_delivered") if batch else ("succeeded", "heartbeats"):
            amount = len(batch) if key == "events_delivered" else 1
            hook.counters[key] += amount
            self.counters[key] += amount
        if not batch:
            hook.heartbeat_owed = False
            hook.last_heartbeat = clock
        hook.first_failure = hook.next_attempt = None
        self.store.update(
            hook.gid,
            {
                "active": True,
                "last_success_at": iso(clock),
                "delivery_retry_count": 0,
                "next_attempt_after": None,
                "failure_deletion_timestamp": None,
            },
        )

    def _failed(self, hook: _Hook, answer: _Answer, clock: float) -> None:
        hook.counters["failed"] += 1
        self.counters["failed"] += 1
        if hook.first_failure is not None and clock >= hook.first_failure + DELETION_SECONDS:
            # "If we are unable to deliver a message for 24 hours, the webhook will be deleted."
            self.store.delete(hook.gid)
            self._hooks.pop(hook.gid, None)
            self.counters["webhooks_deleted"] += 1
            return
        if hook.first_failure is None:
            hook.first_failure = clock
        record = self.store.objects[hook.gid]
        count = int(record.get("delivery_retry_count") or 0) + 1
        wait = min(RETRY_CAP_SECONDS, self.settings.retry_base_seconds * 2 ** (count - 1))
        hook.next_attempt = clock + wait
        self.store.update(
            hook.gid,
            {
                "last_failure_at": iso(clock),
                "last_failure_content": answer.failure_content(),
                "delivery_retry_count": count,
                "next_attempt_after": iso(hook.next_attempt),
                "failure_deletion_timestamp": iso(hook.first_failure + DELETION_SECONDS),
            },
        )


_HOOK_COUNTERS = ("attempted", "succeeded", "failed", "events_delivered", "heartbeats")
_RECORD_FIELDS = ("delivery_retry_count", "next_attempt_after", "last_success_at", "last_failure_at")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN
