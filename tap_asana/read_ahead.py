"""Read-ahead: the requests the SDK's depth-first sync will make next, sent now from worker threads.

The SDK syncs one partition at a time: a parent record, then each of its child streams for that record,
depth first. Under real network latency that leaves most of the rate budget unused. When a parent has a
page of records in hand it knows the first requests of every child partition it is about to sync, so it
queues them here; worker threads send them (through the same throttle, retries and error mapping as any
request) while the main thread emits records in the SDK's order, and the main thread takes each answer
when it gets there. A request nobody queued, or one no worker has started yet, is sent by the main
thread itself, so the order of records and STATE is the SDK's and read-ahead never changes what is read.

Later pushes go to the front of the queue: in a depth-first sync the children of the record being
emitted are needed before the siblings queued earlier. Answers held but not yet taken are bounded in
bytes, so memory stays flat however wide the tree.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any

from asana_client.errors import keepable
from asana_client.transport import AsanaResponse

#: Bytes of answers held for the main thread at most; workers pause beyond it.
DEFAULT_MAX_HELD_BYTES = 2 * 1024 * 1024

_QUEUED, _RUNNING, _DONE = range(3)


class _Job:
    __slots__ = ("discarded", "error", "key", "result", "size", "state", "thunk")

    def __init__(self, key: Hashable, thunk: Callable[[], Any]) -> None:
        self.key = key
        self.thunk = thunk
        self.state = _QUEUED
        self.result: Any = None
        self.error: BaseException | None = None
        self.size = 0
        self.discarded = False


class ReadAhead:
    """Worker threads that run queued requests, most recently queued first; answers are taken by key."""

    def __init__(
        self,
        workers: int,
        *,
        size_of: Callable[[Any], int] = lambda result: 0,
        max_held_bytes: int = DEFAULT_MAX_HELD_BYTES,
        on_hold: Callable[[Any], None] = lambda result: None,
    ) -> None:
        self.workers = workers
        self._size_of = size_of
        self._on_hold = on_hold
        self._max_held = max_held_bytes
        # One lock, two conditions: a worker is woken only for work to do, the taker only for a finished
        # job. One condition woke all ten workers at every take (~36,000 a large sync) for nothing: some
        # 15 % of the tap's CPU went to those wake-ups.
        self._lock = threading.Lock()
        self._work_ready = threading.Condition(self._lock)
        self._done = threading.Condition(self._lock)
        self._queue: deque[_Job] = deque()
        self._jobs: dict[Hashable, _Job] = {}
        self._held = 0
        self._threads: list[threading.Thread] = []
        self._closed = False
        #: Answers taken from a worker / requests the main thread sent itself after all (for tests and logs).
        self.hits = 0
        self.misses = 0

    def push(self, jobs: Sequence[tuple[Hashable, Callable[[], Any]]]) -> list[Hashable]:
        """Queue `jobs` (in their order) ahead of everything queued before; the keys now pending, those
        queued earlier included (e.g. by a worker that expanded a page it read), for the caller to discard
        what its scope did not take."""
        with self._lock:
            if self._closed:
                return []
            fresh = [_Job(key, thunk) for key, thunk in jobs if key not in self._jobs]
            for job in fresh:
                self._jobs[job.key] = job
            self._queue.extendleft(reversed(fresh))
            added = [key for key, _ in jobs if key in self._jobs]
            self._start_workers()
            self._work_ready.notify(len(fresh))
        return added

    def put(self, key: Hashable, result: Any = None, error: BaseException | None = None) -> None:
        """Hold an answer (or the error it met) obtained by a chained job, e.g. the listing a job sent
        after the events call it depends on, for the caller to take under `key`."""
        job = _Job(key, lambda: None)
        job.state, job.result, job.error = _DONE, result, None if error is None else keepable(error)
        job.size = self._size_of(result) if error is None else 0
        with self._lock:
            if key in self._jobs:
                return
            self._on_hold(result)
            self._jobs[key] = job
            self._held += job.size

    def take(self, key: Hashable) -> tuple[bool, Any]:
        """(True, answer) for a queued request (waiting for its worker), else (False, None): the caller sends
        it itself. A request that failed raises its error here, where the caller would have met it."""
        with self._lock:
            job = self._jobs.pop(key, None)
            if job is None or job.state == _QUEUED:
                if job is not None:
                    self._queue.remove(job)
                self.misses += 1
                return False, None
            while job.state != _DONE:
                self._done.wait()
            self._release(job.size)
            self.hits += 1
        error, job.error = job.error, None
        if error is not None:
            try:
                raise error
            finally:
                del error  # no cycle between this frame and the error's traceback (errors.keepable)
        return True, job.result

    def discard(self, keys: Iterable[Hashable]) -> None:
        """Forget answers that will not be taken (their parent record was dropped, or the sync failed)."""
        with self._lock:
            for key in keys:
                job = self._jobs.pop(key, None)
                if job is None:
                    continue
                job.discarded = True
                if job.state == _QUEUED:
                    self._queue.remove(job)
                elif job.state == _DONE:
                    self._release(job.size)

    def close(self) -> None:
        """Stop the workers once their current request ends; nothing queued is sent."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            self._jobs.clear()
            self._held = 0
            self._work_ready.notify_all()
            self._done.notify_all()

    def _release(self, size: int) -> None:
        """An answer of `size` bytes leaves the held ones (lock held): workers paused by the bound resume."""
        paused = self._held >= self._max_held
        self._held -= size
        if paused and self._held < self._max_held:
            self._work_ready.notify(len(self._queue))

    @property
    def pending(self) -> int:
        """Requests queued or held and not yet taken."""
        with self._lock:
            return len(self._jobs)

    def _start_workers(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(
                target=self._work, name=f"tap-asana-read-ahead-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._closed and (not self._queue or self._held >= self._max_held):
                    self._work_ready.wait()
                if self._closed:
                    return
                job = self._queue.popleft()
                job.state = _RUNNING
            try:
                job.result = job.thunk()
                size = self._size_of(job.result)
            except BaseException as exc:  # handed to the main thread, which decides
                job.error, size = keepable(exc), 0
            with self._lock:
                job.state = _DONE
                if job.discarded:
                    job.result = None
                elif self._jobs.get(job.key) is job:  # not taken yet: held until it is
                    self._on_hold(job.result)
                    job.size = size
                    self._held += size
                self._done.notify_all()


def _responses(answer: Any) -> Iterator[Any]:
    """The responses in an answer: a (request, response) pair, or a list of (key, answer, error)."""
    if isinstance(answer, list):
        for part in answer:
            yield from _responses(part[1])
    elif isinstance(answer, tuple) and len(answer) == 2:
        yield answer[1]


def shed_decoded(answer: Any) -> None:
    """Drop the decoded bodies an answer caches (`AsanaResponse.forget_decoded`): a held answer keeps
    only its bytes, decoded again when taken. A decoded page takes some four times its body's bytes; held
    decoded, the answers within the bound were ~8 MB of the tap's peak on a large workspace."""
    for response in _responses(answer):
        if isinstance(response, AsanaResponse):
            response.forget_decoded()


def answer_size(answer: Any) -> int:
    """Bytes of the bodies in an answer."""
    return sum(len(getattr(response, "content", b"") or b"") for response in _responses(answer))
