"""Write cases for attachments: a multipart upload, an external link, delete."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _task(store: Store) -> str:
    return next(t["gid"] for t in store.all("task") if t.get("projects"))


def _attachment(store: Store) -> str:
    return store.all("attachment")[0]["gid"]


CASES = [
    WriteCase(
        "POST /attachments",
        lambda s: WriteRequest(
            "/attachments",
            files={"file": ("notes.txt", b"meeting notes\n", "text/plain")},
            form={"parent": _task(s)},
        ),
        200,
        "upload",
    ),
    WriteCase(
        "POST /attachments",
        lambda s: WriteRequest(
            "/attachments",
            # A form field sent as a multipart part (no file name), so that the request is multipart.
            files={"url": (None, "https://example.com/specs/design.pdf")},
            form={"parent": _task(s), "resource_subtype": "external", "name": "Design spec"},
        ),
        200,
        "external",
    ),
    WriteCase(
        "POST /attachments",
        lambda s: WriteRequest("/attachments", files={"file": ("a.txt", b"a", "text/plain")}, form={}),
        400,
        "missing parent",
    ),
    WriteCase(
        "DELETE /attachments/{attachment_gid}", lambda s: WriteRequest(f"/attachments/{_attachment(s)}")
    ),
    WriteCase(
        "DELETE /attachments/{attachment_gid}", lambda s: WriteRequest("/attachments/1"), 404, "unknown"
    ),
]
