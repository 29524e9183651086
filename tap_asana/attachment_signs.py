"""Whether what a run already read says a task may have attachments to list.

Asana writes an `attachment_added` story on a task whenever a file is attached to it. It writes none for an
image pasted inline into the task's description or into a comment, yet `GET /attachments?parent=<task>`
returns those too (OAS getAttachmentsForObject): their sign is the image in `html_notes` / `html_text`.
A story whose subtype was not read, or a task whose `html_notes` was not, counts as a sign: what cannot be
told is listed. (Asana leaves `html_text` out of system stories, so its absence tells nothing.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from asana_client.timestamps import parse_timestamp

ATTACHMENT_STORY = "attachment_added"
#: What an inline image or attached file looks like in Asana's rich text.
INLINE_MARKERS = ("<img", "data-asana-gid")
#: An `attachment_added` story this much older than the task's children bookmark still counts: Asana writes
#: the story right after the file, so their times may differ a little around the bookmark.
STORY_SLACK = timedelta(minutes=1)


def has_inline(html: Any) -> bool:
    """Whether rich text holds an inline image or file reference."""
    return isinstance(html, str) and any(marker in html for marker in INLINE_MARKERS)


def story_announces(story: dict[str, Any], since: datetime | None) -> bool:
    """Whether a story of a task announces an attachment created after `since` (None: any attachment)."""
    if "resource_subtype" not in story:
        return True
    if has_inline(story.get("html_text")):
        # An image added to a comment by an edit keeps the comment's time: any time counts.
        return True
    if story.get("duplicated_from"):
        # A duplicate may carry copies of its source's files, and Asana documents no story for those.
        return True
    if story["resource_subtype"] != ATTACHMENT_STORY:
        return False
    created = parse_timestamp(story.get("created_at"))
    return since is None or created is None or created > since - STORY_SLACK


def notes_announce(task: dict[str, Any]) -> bool:
    """Whether a task's description holds an inline image (or was not read, so cannot tell)."""
    return "html_notes" not in task or has_inline(task["html_notes"])
