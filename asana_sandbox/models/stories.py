"""Stories: the one story builder, comments (create, edit, pin, delete), system stories of task changes.

A new story, comment or system, moves its task's `modified_at` (OAS TaskBase.modified_at: "story is created on
a task"), except the stories of a move between containers, which the same rule says does not change it.
"""

from __future__ import annotations

from datetime import date

from asana_sandbox.errors import bad_request, forbidden
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref, rich_text

# Every field of StoryResponse; a story starts from this and sets what applies to its subtype.
STORY_FIELDS = (
    "gid",
    "resource_type",
    "created_at",
    "resource_subtype",
    "text",
    "html_text",
    "is_pinned",
    "sticker_name",
    "created_by",
    "type",
    "is_editable",
    "is_edited",
    "hearted",
    "hearts",
    "num_hearts",
    "liked",
    "likes",
    "num_likes",
    "reaction_summary",
    "previews",
    "old_name",
    "new_name",
    "old_dates",
    "new_dates",
    "old_resource_subtype",
    "new_resource_subtype",
    "story",
    "assignee",
    "follower",
    "old_section",
    "new_section",
    "task",
    "project",
    "tag",
    "custom_field",
    "old_text_value",
    "new_text_value",
    "old_number_value",
    "new_number_value",
    "old_enum_value",
    "new_enum_value",
    "old_date_value",
    "new_date_value",
    "old_people_value",
    "new_people_value",
    "old_multi_enum_values",
    "new_multi_enum_values",
    "new_approval_status",
    "old_approval_status",
    "duplicate_of",
    "duplicated_from",
    "dependency",
    "source",
    "target",
)
STICKERS = (
    "green_checkmark",
    "people_dancing",
    "dancing_unicorn",
    "heart",
    "party_popper",
    "people_waving_flags",
    "splashing_narwhal",
    "trophy",
    "yeti_riding_unicorn",
    "celebrating_people",
    "determined_climbers",
    "phoenix_spreading_love",
)
# Stories that may be pinned (OAS updateStory: "only comment stories and attachment stories can be pinned").
_PINNABLE = ("comment_added", "attachment_added")


def story(
    gid: str, target: Record, author: Record | None, at: str, subtype: str, text: str, **extra: object
) -> Record:
    """A full story record on `target` (a task or goal); `extra` fills the subtype's own fields."""
    record: Record = dict.fromkeys(STORY_FIELDS)
    comment = subtype == "comment_added"
    record.update(
        gid=gid,
        resource_type="story",
        created_at=at,
        resource_subtype=subtype,
        text=text,
        html_text=f"<body>{text}</body>" if comment else None,
        is_pinned=False,
        created_by=ref(author) if author else None,
        type="comment" if comment else "system",
        is_editable=comment,
        is_edited=False,
        hearted=False,
        hearts=[],
        num_hearts=0,
        liked=False,
        likes=[],
        num_likes=0,
        reaction_summary=[],
        previews=[],
        source="web",
        target=ref(target),
    )
    record.update(extra)
    return record


def due_text(due_on: str) -> str:
    """How Asana words a date in a story: "Mar 4"."""
    parsed = date.fromisoformat(due_on)
    return f"{parsed.strftime('%b')} {parsed.day}"


def add(
    changes: Changes, target: Record, subtype: str, text: str, *, touch: bool = True, **extra: object
) -> Record:
    """A new story by the acting user on `target`, made through the API; it moves the target's modified_at
    unless `touch` is False (the stories of a move between containers)."""
    record = story(changes.store.new_gid(), target, changes.actor, changes.now, subtype, text, **extra)
    record["source"] = "api"
    changes.insert(record, parent=target)
    if touch:
        changes.touch(target)
    return record


# -- comments -----------------------------------------------------------------------------------------
def _texts(body: Body, *, required: bool) -> tuple[str, str] | None:
    """(text, html_text) from the body's `text` or `html_text` (one of them, not both)."""
    text, rich = body.text("text"), body.text("html_text")
    if text is not None and rich is not None:
        raise bad_request("Only one of text and html_text can be specified")
    if rich is not None or text is not None:
        return rich_text(text, rich)
    if required:
        raise bad_request("text: Missing input")
    return None


def comment(changes: Changes, target: Record, body: Body) -> Record:
    """A comment on a task or a goal, authored by the acting user (createStoryForTask / ForGoal)."""
    texts = _texts(body, required=True)
    assert texts is not None
    if not texts[0].strip() and body.raw("sticker_name") is None:
        raise bad_request("text: Missing input")
    pinned = body.boolean("is_pinned")
    sticker = body.choice("sticker_name", STICKERS)
    return add(
        changes,
        target,
        "comment_added",
        texts[0],
        html_text=texts[1],
        is_pinned=bool(pinned),
        sticker_name=sticker,
    )


def update(changes: Changes, record: Record, body: Body) -> Record:
    """Edit a comment's text (it becomes `is_edited`), pin or unpin a comment or attachment story."""
    texts = _texts(body, required=False)
    pinned = body.boolean("is_pinned")
    sticker = body.choice("sticker_name", STICKERS)
    is_comment = record.get("resource_subtype") == "comment_added"
    if (texts is not None or sticker is not None) and not is_comment:
        raise bad_request("text: Only comment stories can have their text updated")
    if pinned is not None and record.get("resource_subtype") not in _PINNABLE:
        raise bad_request("is_pinned: Only comment and attachment stories can be pinned")
    updates: Record = {}
    if texts is not None:
        updates.update(text=texts[0], html_text=texts[1])
    if sticker is not None:
        updates["sticker_name"] = sticker
    if pinned is not None:
        updates["is_pinned"] = pinned
    edited = changes.update(record, updates)
    if {"text", "sticker_name"} & set(edited):
        changes.update(record, {"is_edited": True})
    return record


def delete(changes: Changes, record: Record) -> None:
    """Delete a comment of one's own; its task's modified_at moves ("story is trashed on a task").

    Asana reports a deleted comment as `removed` from its task (asana-api.md 3.11), not `deleted`.
    """
    if record.get("resource_subtype") != "comment_added":
        raise forbidden("Only comments can be deleted")
    author = record.get("created_by") or {}
    if changes.actor is None or author.get("gid") != changes.actor["gid"]:
        raise forbidden("A user can only delete stories they have created")
    target = changes.store.get((record.get("target") or {}).get("gid", ""))
    if target is not None:
        changes.removed(record, target)
    # Not `changes.delete`: that reports `deleted`, which Asana does not send for a comment.
    changes.store.delete(record["gid"])
    if target is not None:
        changes.touch(target)
