"""Attachments: uploaded files and external links on tasks, projects and project briefs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlparse

from asana_sandbox.errors import ApiError, bad_request
from asana_sandbox.models import stories
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref

PARENT_TYPES = ("task", "project", "project_brief")
# Asana enforces a 100 MB limit on uploads through this endpoint (spec, createAttachmentForObject). Read at
# call time, so tests can lower it rather than send 100 MB.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# Where the sandbox serves an uploaded file's bytes, under its root URL (no token needed, like the signed
# S3 links Asana hands out).
FILES_PATH = "/_sandbox/files/"


@dataclass(frozen=True)
class Upload:
    """A file as it came in a multipart request."""

    filename: str
    content: bytes
    content_type: str


def too_large() -> ApiError:
    return bad_request(f"file: The file is larger than the upload limit of {MAX_UPLOAD_BYTES} bytes")


def parent_ref(parent: Record) -> Record:
    """The attachment's `parent`: a compact task carries its subtype."""
    out = ref(parent)
    if parent.get("resource_type") == "task":
        out["resource_subtype"] = parent.get("resource_subtype")
    return out


def _base(changes: Changes, parent: Record, name: str, subtype: str) -> Record:
    """The fields every attachment has; the host-specific ones are filled in by the caller."""
    return {
        "gid": changes.store.new_gid(),
        "resource_type": "attachment",
        "name": name,
        "resource_subtype": subtype,
        "created_at": changes.now,
        "download_url": None,
        "permanent_url": None,
        "host": subtype,
        "parent": parent_ref(parent),
        "size": None,
        "view_url": None,
        # Present only for external (and gdrive) attachments; None is left out of the answer.
        "connected_to_app": None,
    }


def _hosted(record: Record, root_url: str, upload: Upload) -> Record:
    """Point the URLs of an uploaded file at the sandbox and keep its bytes (private keys)."""
    url = f"{root_url}{FILES_PATH}{record['gid']}"
    record.update(
        download_url=url,
        view_url=f"{url}?disposition=inline",
        permanent_url=url,
        size=len(upload.content),
        _content=upload.content,
        _content_type=upload.content_type,
    )
    return record


def upload(changes: Changes, parent: Record, file: Upload, root_url: str) -> Record:
    """A file uploaded to `parent`; its name is the (URL-decoded) file name."""
    if len(file.content) > MAX_UPLOAD_BYTES:
        raise too_large()
    name = unquote(file.filename) or "upload"
    record = _hosted(_base(changes, parent, name, "asana"), root_url, file)
    return _attach(changes, parent, record)


def link(changes: Changes, parent: Record, name: str, url: str, *, connect_to_app: bool) -> Record:
    """An external resource attached by URL (`resource_subtype` external)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise bad_request(f"url: Not a valid URL: {url}")
    record = _base(changes, parent, name, "external")
    record.update(view_url=url, connected_to_app=connect_to_app)
    return _attach(changes, parent, record)


def _attach(changes: Changes, parent: Record, record: Record) -> Record:
    """Store it; on a task Asana also writes an `attachment_added` story (which moves its modified_at)."""
    changes.insert(record, parent=parent)
    if parent.get("resource_type") == "task":
        stories.add(changes, parent, "attachment_added", f"attached {record['name']}")
    return record


def copy(changes: Changes, source: Record, parent: Record) -> Record:
    """The same file or link on another parent (a duplicated task); no story, as for its other fields."""
    record = _base(changes, parent, source["name"], source.get("resource_subtype") or "asana")
    record.update(
        host=source.get("host"),
        view_url=source.get("view_url"),
        connected_to_app=source.get("connected_to_app"),
        size=source.get("size"),
    )
    if "_content" in source:
        file = Upload(source["name"], source["_content"], source.get("_content_type", ""))
        _hosted(record, source["download_url"].split(FILES_PATH, 1)[0], file)
    else:
        # A dataset attachment: its URLs lead to the same (fictional) storage, under the copy's gid.
        for key in ("download_url", "permanent_url"):
            if source.get(key):
                record[key] = source[key].replace(source["gid"], record["gid"])
    return changes.insert(record, parent=parent)


def of(changes: Changes, parent: Record) -> list[Record]:
    return list(changes.store.related("attachment", "parent", parent["gid"]))


def delete(changes: Changes, attachment: Record) -> None:
    """The attachment goes (404 afterwards); a task it was on counts as modified, as the spec says."""
    parent = changes.store.get((attachment.get("parent") or {}).get("gid", ""))
    for template in changes.store.all("task_template"):
        recipe = template.get("template") or {}
        kept = [a for a in recipe.get("attachments") or () if a.get("gid") != attachment["gid"]]
        if len(kept) != len(recipe.get("attachments") or ()):
            changes.update(template, {"template": {**recipe, "attachments": kept}}, touch=False)
    changes.delete(attachment)
    if parent is not None and parent.get("resource_type") == "task":
        changes.touch(parent)


def download_name(record: Record) -> str:
    """The file name for a Content-Disposition header (RFC 5987 for non-ASCII names)."""
    return quote(record.get("name") or "file")
