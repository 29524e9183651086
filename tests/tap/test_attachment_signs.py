"""A task's attachments are listed only when the run read a sign of one (its stories, its description):
the record set of a sync is the same as when every task's attachments are listed, with fewer requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from tap_asana.attachment_signs import notes_announce, story_announces
from tap_asana.streams.attachments import AttachmentsStream
from tests.tap.change_during_sync import STREAMS, latest, lost, mutating
from tests.tap.tap_runner import SyncResult, run_tap, tap_config

SINCE = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _story(subtype: str, at: str, html: str | None = None) -> dict:
    return {"resource_subtype": subtype, "created_at": at, "html_text": html}


def test_an_attachment_story_after_the_bookmark_is_a_sign() -> None:
    assert story_announces(_story("attachment_added", "2026-03-02T00:00:00.000Z"), SINCE)
    assert story_announces(_story("attachment_added", "2025-01-01T00:00:00.000Z"), None)
    assert not story_announces(_story("attachment_added", "2026-02-01T00:00:00.000Z"), SINCE)
    assert not story_announces(_story("comment_added", "2026-03-02T00:00:00.000Z", "<body>hi</body>"), SINCE)


def test_an_inline_image_or_an_unread_field_is_a_sign() -> None:
    image = '<body><img data-asana-gid="1" src="x"></body>'
    assert story_announces(_story("comment_added", "2025-01-01T00:00:00.000Z", image), SINCE)
    assert story_announces({"created_at": "2026-03-02T00:00:00.000Z"}, SINCE)  # subtype not read
    copied = {**_story("duplicated", "2025-01-01T00:00:00.000Z"), "duplicated_from": {"gid": "1"}}
    assert story_announces(copied, SINCE)
    assert notes_announce({"html_notes": image})
    assert notes_announce({"notes": "no html read"})
    assert not notes_announce({"html_notes": "<body>plain</body>"})
    assert not notes_announce({"html_notes": None})


@pytest.fixture
def listing_every_task() -> Iterator[None]:
    AttachmentsStream.use_signs = False
    try:
        yield
    finally:
        AttachmentsStream.use_signs = True


def _sync(sandbox, **kwargs) -> tuple[SyncResult, dict]:
    sandbox.control("reset", {})
    result = run_tap(tap_config(sandbox), **kwargs)
    return result, sandbox.control("stats")["requests"]["by_route"]


def _by_key(result: SyncResult) -> dict[str, dict]:
    return {stream: latest([result], stream) for stream in result.records}


def test_full_sync_record_set_is_the_same_with_and_without_signs(sandbox, request) -> None:
    with_signs, calls = _sync(sandbox)
    request.getfixturevalue("listing_every_task")
    every, calls_every = _sync(sandbox)

    assert with_signs.records["attachments"]
    assert _by_key(with_signs) == _by_key(every)
    # Projects, briefs, and only the tasks whose stories announce an attachment.
    tasks_with = {
        r["parent"]["gid"] for r in every.records["attachments"] if r["parent"]["resource_type"] == "task"
    }
    others = {r["gid"] for stream in ("projects", "project_briefs") for r in every.records[stream]}
    assert calls["GET /attachments"] <= len(tasks_with) + len(others)
    assert calls_every["GET /attachments"] > 5 * calls["GET /attachments"]
    print(f"GET /attachments: {calls_every['GET /attachments']} -> {calls['GET /attachments']}")


def _streams(result: SyncResult) -> dict[str, set[str]]:
    return {stream: set(latest([result], stream)) for stream in STREAMS}


def test_a_file_attached_after_a_sync_comes_with_the_next_run(sandbox) -> None:
    config = tap_config(sandbox)
    first = run_tap(config, streams=STREAMS)
    task = next(t for t in sandbox.store.all("task") if t.get("projects") and not t.get("parent"))
    upload = {"file": ("plan.txt", b"v1", "text/plain"), "parent": (None, task["gid"])}
    answer = sandbox.session.post(sandbox.base_url + "/attachments", files=upload, timeout=30)
    assert answer.status_code == 200, answer.text
    sandbox.control("reset", {})
    second = run_tap(config, streams=STREAMS, state=first.state)
    calls = sandbox.control("stats")["requests"]["by_route"]

    assert answer.json()["data"]["gid"] in second.gids("attachments")
    # Only that task among the tasks read again, besides the projects and briefs listed every run.
    listed_parents = [*sandbox.store.all("project"), *sandbox.store.all("project_brief")]
    assert calls["GET /attachments"] <= len(listed_parents) + 1


def test_files_attached_during_a_full_sync_are_not_lost(sandbox, request) -> None:
    """A full sync while the sandbox changes (links attached among other edits), then an incremental run:
    together they hold every record a fresh sync that lists every task's attachments finds."""
    config = tap_config(sandbox)
    with mutating(sandbox, seed=12) as changes:
        first = run_tap(config, streams=STREAMS)
    second = run_tap(config, streams=STREAMS, state=first.state)
    request.getfixturevalue("listing_every_task")
    fresh = run_tap(config, streams=STREAMS)

    attached = {gid for answer in changes.answers for gid in answer["attached"]}
    assert attached, "no file was attached during the full sync"
    assert lost([first, second], fresh, changes) == {}
    emitted = set(latest([first, second], "attachments"))
    assert attached & set(latest([fresh], "attachments")) <= emitted


def test_without_the_stories_stream_every_task_is_listed(sandbox, request) -> None:
    """No stories read, no sign to read: the attachments of every task are listed, as before."""
    alone, calls = _sync(sandbox, streams=("tasks", "attachments"))
    request.getfixturevalue("listing_every_task")
    every, calls_every = _sync(sandbox, streams=("tasks", "attachments"))

    assert latest([alone], "attachments") == latest([every], "attachments")
    assert calls["GET /attachments"] == calls_every["GET /attachments"] > len(alone.records["tasks"])


def test_an_inline_image_in_a_description_gets_its_task_listed(sandbox) -> None:
    """Asana attaches an image pasted into a description without a story: that task is listed too."""
    quiet = next(
        t
        for t in sandbox.store.all("task")
        if t.get("projects") and not sandbox.store.related("attachment", "parent", t["gid"])
    )
    _, before = _sync(sandbox, streams=STREAMS)
    quiet["html_notes"] = f'<body>see <img data-asana-gid="{quiet["gid"]}1" src="x.png"></body>'
    _, after = _sync(sandbox, streams=STREAMS)

    assert after["GET /attachments"] == before["GET /attachments"] + 1


def test_a_task_whose_stories_were_not_read_is_listed(sandbox) -> None:
    """The decision trusts only a reading of this task's stories (whatever order the children sync in)."""
    result = run_tap(tap_config(sandbox), streams=STREAMS)
    attachments = result.tap.streams["attachments"]  # type: ignore[attr-defined]
    stories = result.tap.streams["stories"]  # type: ignore[attr-defined]
    task = {"gid": "1", "resource_type": "task", "html_notes": "<body></body>"}
    stories.read_task, stories.announced = "2", False
    assert attachments.wanted_for(task)
    stories.read_task = "1"
    assert not attachments.wanted_for(task)
    assert attachments.wanted_for({"gid": "3", "resource_type": "project"})
