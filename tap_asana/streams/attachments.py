"""Attachments of tasks, projects and project briefs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from tap_asana.attachment_signs import notes_announce
from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.stories import StoriesStream
from tap_asana.streams.tasks import TaskChildStream, TasksStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record


class AttachmentsStream(TaskChildStream):
    """A task's attachments are listed only when this run read a sign of one (`tap_asana.attachment_signs`):
    an `attachment_added` story among the task's stories it reads, or an inline image in the task's
    description or a comment. Without the `stories` stream there is nothing to read: every task is listed,
    as are every project and brief (Asana writes no story there)."""

    #: Off: list every task's attachments (tests compare the record sets both ways).
    use_signs: ClassVar[bool] = True

    def reads_signs(self) -> bool:
        """Whether the stories the run reads decide which tasks' attachments are listed."""
        stories = self.asana_tap.streams.get("stories")
        return self.use_signs and isinstance(stories, StoriesStream) and stories.selected

    def partition_jobs(self, context: Context | None, parent: Record | None = None) -> list[tuple[Any, Any]]:
        # For a task the decision needs its stories, not read yet: the stories stream queues the request
        # when they announce an attachment.
        if (context or {}).get("task_gid") and self.reads_signs():
            return []
        return super().partition_jobs(context, parent)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        if (context or {}).get("task_gid") and self.asana_tap.read_ahead is not None:
            task = cast(TasksStream, self.asana_tap.streams["tasks"]).current_task
            if not self.wanted_for(task):
                # Queued by a worker that saw an older attachment story: not needed (not sent if not started).
                self.asana_tap.read_ahead.discard([self.page_key(self.default_route(context), context, None)])
        return super().get_records(context)

    def wanted_for(self, task: Record | None) -> bool:
        if task is None or task.get("resource_type") != "task" or not self.reads_signs():
            return True  # projects and briefs: Asana writes no story for their attachments
        stories = self.asana_tap.streams["stories"]
        assert isinstance(stories, StoriesStream)
        if stories.read_task != task.get("gid"):
            return True  # its stories were not read to the end this time: cannot tell
        return stories.announced or notes_announce(task)


SPECS = [
    StreamSpec(
        "attachments",
        "/attachments",
        parent="tasks",
        other_parents=("projects", "project_briefs"),
        params={"parent": "{parent_gid}"},
        replication_key="created_at",
        description="Attachments of tasks changed since the last run, and of every project and brief.",
        cls=AttachmentsStream,
    ),
]
