"""Write cases for stories: comments on tasks and goals, editing, pinning and deleting them."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _task(store: Store) -> str:
    return next(t["gid"] for t in store.all("task") if t.get("projects"))


def _goal(store: Store) -> str:
    return store.all("goal")[0]["gid"]


def _comment(store: Store) -> Record:
    return next(s for s in store.all("story") if s["resource_subtype"] == "comment_added")


def _my_comment(store: Store) -> Record:
    """A comment by the token's user (the dataset's first user): only its author may delete it."""
    me = store.all("user")[0]["gid"]
    return next(
        s
        for s in store.all("story")
        if s["resource_subtype"] == "comment_added" and (s.get("created_by") or {}).get("gid") == me
    )


def _system_story(store: Store) -> Record:
    return next(s for s in store.all("story") if s["type"] == "system")


CASES = [
    WriteCase(
        "POST /tasks/{task_gid}/stories",
        lambda s: WriteRequest(
            f"/tasks/{_task(s)}/stories", {"data": {"text": "Looks good", "is_pinned": True}}
        ),
        201,
    ),
    WriteCase(
        "POST /tasks/{task_gid}/stories",
        lambda s: WriteRequest(
            f"/tasks/{_task(s)}/stories", {"data": {"html_text": "<body>Ship <strong>it</strong></body>"}}
        ),
        201,
        "html",
    ),
    WriteCase(
        "POST /tasks/{task_gid}/stories",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/stories", {"data": {"is_pinned": False}}),
        400,
        "no text",
    ),
    WriteCase(
        "POST /goals/{goal_gid}/stories",
        lambda s: WriteRequest(f"/goals/{_goal(s)}/stories", {"data": {"text": "On track"}}),
        201,
    ),
    WriteCase(
        "PUT /stories/{story_gid}",
        lambda s: WriteRequest(
            f"/stories/{_comment(s)['gid']}", {"data": {"text": "Edited", "is_pinned": True}}
        ),
    ),
    WriteCase(
        "PUT /stories/{story_gid}",
        lambda s: WriteRequest(f"/stories/{_system_story(s)['gid']}", {"data": {"text": "No"}}),
        400,
        "system story",
    ),
    WriteCase("DELETE /stories/{story_gid}", lambda s: WriteRequest(f"/stories/{_my_comment(s)['gid']}")),
    WriteCase("DELETE /stories/{story_gid}", lambda s: WriteRequest("/stories/1"), 404, "unknown"),
]
