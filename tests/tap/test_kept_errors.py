"""An API error kept and raised later (by the read-ahead, by the change signals' events cache) leaves no
reference cycle behind: the frames it crossed, and the pages of records in them, are freed as soon as the
error is handled, not when the cyclic garbage collector next runs (which held ~40 MB of a large sync)."""

from __future__ import annotations

import contextlib
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from asana_client.errors import AccessDeniedError, SyncTokenExpiredError, keepable
from tap_asana.change_signals import ChangeSignals
from tap_asana.read_ahead import ReadAhead


class Page(list):
    """A page of records, weakly referenceable so the test can tell when it is freed."""


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _handled_with_a_page_in_scope(raise_it: Any, error_type: type[BaseException]) -> weakref.ref:
    page = Page([{"gid": str(n)} for n in range(100)])

    def caller(records: Page) -> None:
        with contextlib.suppress(error_type):
            raise_it()

    caller(page)
    ref = weakref.ref(page)
    del page
    return ref


def test_an_error_the_read_ahead_hands_over_frees_the_frames_it_crossed(no_cyclic_gc: None) -> None:
    read_ahead = ReadAhead(2, size_of=lambda answer: 0)
    try:

        def refused() -> None:
            raise AccessDeniedError("Forbidden (403)", 403)

        read_ahead.push([("listing", refused)])
        ref = _handled_with_a_page_in_scope(lambda: read_ahead.take("listing"), AccessDeniedError)
        assert ref() is None
        read_ahead.put("chained", error=AccessDeniedError("Payment Required (402)", 402))
        ref = _handled_with_a_page_in_scope(lambda: read_ahead.take("chained"), AccessDeniedError)
        assert ref() is None
    finally:
        read_ahead.close()


class _FakeTap:
    config: dict = {}


class _Stream:
    """What `ChangeSignals.events_page` asks of a stream: a name and `request_json`."""

    name = "sections"

    def __init__(self) -> None:
        self.calls = 0

    def request_json(self, route: Any, context: Any) -> dict:
        self.calls += 1
        raise SyncTokenExpiredError("Precondition Failed (412)", "fresh-token")


def test_a_cached_412_is_raised_again_without_keeping_the_frames(no_cyclic_gc: None) -> None:
    signals = ChangeSignals(_FakeTap())  # type: ignore[arg-type]  # only the events cache is exercised
    stream = _Stream()
    ask = lambda: signals.events_page(stream, "1", None, None)  # noqa: E731
    ref = _handled_with_a_page_in_scope(ask, SyncTokenExpiredError)
    assert ref() is None
    kept = signals.peek_page("1", None)  # kept for the tasks stream, which asks next
    assert isinstance(kept, SyncTokenExpiredError)
    assert kept.__traceback__ is None
    assert kept.sync_token == "fresh-token"
    ref = _handled_with_a_page_in_scope(ask, SyncTokenExpiredError)  # answered from the cache
    assert ref() is None
    assert stream.calls == 1
    assert kept.__traceback__ is None


def test_keepable_drops_the_traceback_of_api_errors_only() -> None:
    def raised(error: BaseException) -> BaseException:
        try:
            raise error
        except BaseException as exc:
            return exc

    api = keepable(raised(AccessDeniedError("Forbidden (403)", 403)))
    assert api.__traceback__ is None
    bug = keepable(raised(KeyError("gid")))
    assert bug.__traceback__ is not None  # a bug's traceback is what its report needs
