"""Stories (comments and activity) of tasks and goals."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from tap_asana.attachment_signs import ATTACHMENT_STORY, INLINE_MARKERS, story_announces
from tap_asana.client import Route
from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.tasks import TaskChildStream, TasksStream

#: Bytes of a stories page that may announce an attachment (checked before any parsing). Only how early the
#: listing is sent depends on them, never whether: the main thread decides from the parsed stories.
_MARKERS = tuple(
    m.encode()
    for m in (ATTACHMENT_STORY, *INLINE_MARKERS, "\\u003cimg", 'duplicated_from":{', 'duplicated_from": {')
)

if TYPE_CHECKING:
    import requests
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context


class StoriesStream(TaskChildStream):
    """Stories, noting for the attachments stream whether a task's stories announce an attachment.

    The SDK syncs a task's stories before its attachments (`SYNC_ORDER`); `read_task` names the task whose
    stories were last read to the end, so the attachments stream never trusts a reading of another task.
    """

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap)
        #: The task whose stories were read in full last, and whether they announce an attachment.
        self.read_task: str | None = None
        self.announced = False
        self._pages_answered = 0

    def get_records(self, context: Context | None) -> Iterable[dict]:
        if (context or {}).get("task_gid"):
            self.read_task = None  # not read for this task until the listing ends
        return super().get_records(context)

    def request_records(self, context: Context | None) -> Iterator[dict]:
        gid = (context or {}).get("task_gid")
        if not gid:
            yield from super().request_records(context)
            return
        since = cast(TasksStream, self.asana_tap.streams["tasks"]).children_since
        answered, announced = self._pages_answered, False
        for record in super().request_records(context):
            if not announced and story_announces(record, since):
                announced = True
                self._read_attachments_ahead(context or {})
            yield record
        # A refused or vanished listing (403/404) ends quietly with no page: nothing was read.
        if self._pages_answered > answered:
            self.read_task, self.announced = gid, announced

    def update_sync_costs(
        self, request: requests.PreparedRequest, response: requests.Response, context: Context | None
    ) -> dict[str, int]:
        self._pages_answered += 1
        return super().update_sync_costs(request, response, context)

    def page_job(self, route: Route, context: Context | None, token: str | None) -> tuple[Hashable, Any]:
        """A page of a task's stories read ahead: when its bytes may announce an attachment, the worker queues
        the task's attachments listing at once, well before the SDK gets to the task (the main thread makes
        the decision; an answer it does not take is discarded)."""
        key, send = super().page_job(route, context, token)
        if not (context or {}).get("task_gid"):
            return key, send

        def read() -> Any:
            answer = send()
            content = getattr(answer[1], "content", b"") or b""
            if any(marker in content for marker in _MARKERS):
                self._read_attachments_ahead(context or {})
            return answer

        return key, read

    def _read_attachments_ahead(self, context: Context) -> None:
        """The task's attachments will be listed: send that request now (read-ahead) if it is wanted."""
        attachments = self.asana_tap.streams.get("attachments")
        if attachments is None or not attachments.selected or self.asana_tap.read_ahead is None:
            return
        child = cast(TaskChildStream, attachments)
        partition = child.preprocess_context(dict(context))
        child.read_ahead_push([child.page_job(child.default_route(partition), partition, None)])


SPECS = [
    StreamSpec(
        "stories",
        "/tasks/{task_gid}/stories",
        parent="tasks",
        other_parents=("goals",),
        path_by_parent_key={"goal_gid": "/goals/{goal_gid}/stories"},
        replication_key="created_at",
        description="Comments and activity of tasks changed since the last run, and of every goal.",
        cls=StoriesStream,
    ),
]
