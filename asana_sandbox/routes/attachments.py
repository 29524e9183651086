"""Attachments: list, read, upload (multipart), attach a link, delete; the download of an uploaded file."""

from __future__ import annotations

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from asana_sandbox.errors import bad_request, missing_input, not_found
from asana_sandbox.inputs import Body
from asana_sandbox.models import attachments
from asana_sandbox.projection import parse_opt_fields
from asana_sandbox.routes.base import RequestContext, Route, by_query, delete_one, get_one, listing
from asana_sandbox.store import Store

# What a multipart body may add to the file itself (boundaries, headers, the other fields) before the
# request is refused unread.
_FORM_OVERHEAD = 64 * 1024


def _form(ctx: RequestContext) -> Body:
    """The form fields of the upload; `opt_fields` may come as a form field (Asana's `opt_` convention)."""
    if ctx.request.mimetype != "multipart/form-data":
        # A JSON body also means the Batch API: uploads are one of the things it refuses.
        raise bad_request("This endpoint expects a multipart/form-data request; uploads cannot be batched")
    length = ctx.request.content_length
    if length is not None and length > attachments.MAX_UPLOAD_BYTES + _FORM_OVERHEAD:
        raise attachments.too_large()
    try:
        form = ctx.request.form
    except RequestEntityTooLarge:
        raise bad_request("The form fields of the request are too large") from None
    if form.get("opt_fields"):
        ctx.fields = parse_opt_fields(form["opt_fields"])
    return ctx.input()


def _flag(body: Body, name: str) -> bool:
    """A boolean form field: the strings `true` and `false`."""
    value = body.raw(name)
    if value in (None, "", "false"):
        return False
    if value == "true":
        return True
    raise bad_request(f"{name}: Not a boolean: {value}")


def _upload(ctx: RequestContext, body: Body) -> attachments.Upload:
    file = ctx.request.files.get("file")
    if file is None:
        raise missing_input("file")
    content = file.stream.read(attachments.MAX_UPLOAD_BYTES + 1)
    if len(content) > attachments.MAX_UPLOAD_BYTES:
        raise attachments.too_large()
    return attachments.Upload(file.filename or "", content, file.mimetype or "application/octet-stream")


def _create(ctx: RequestContext) -> Response:
    """`POST /attachments`: the spec answers 200 (not 201) with the new attachment."""
    body = _form(ctx)
    parent = body.obj("parent", attachments.PARENT_TYPES, required=True)
    assert parent is not None
    subtype = body.choice("resource_subtype", ("asana", "external")) or "asana"
    if subtype == "external":
        name = body.text("name", required=True)
        url = body.text("url", required=True)
        connect = _flag(body, "connect_to_app")
        if connect and ctx.token.expires_at is None:
            raise bad_request("connect_to_app: Can only be set when authenticating with an OAuth token")
        assert name is not None and url is not None
        record = attachments.link(ctx.changes(), parent, name, url, connect_to_app=connect)
    else:
        root_url = ctx.api_root.rsplit("/api/", 1)[0]
        record = attachments.upload(ctx.changes(), parent, _upload(ctx, body), root_url)
    return ctx.one(record)


def download(store: Store, attachment_gid: str, request: Request) -> Response:
    """`GET /_sandbox/files/<gid>`: the bytes of an uploaded file (its `download_url`)."""
    record = store.get(attachment_gid, "attachment")
    if record is None or "_content" not in record:
        return not_found("attachment").response()
    disposition = "inline" if request.args.get("disposition") == "inline" else "attachment"
    name = attachments.download_name(record)
    return Response(
        record["_content"],
        content_type=record.get("_content_type") or "application/octet-stream",
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}"},
    )


ROUTES: list[Route] = [
    listing(
        "/attachments",
        by_query("attachment", "parent", "parent", attachments.PARENT_TYPES),
        required=("parent",),
    ),
    get_one("/attachments/{attachment_gid}", "attachment"),
    Route("POST", "/attachments", _create),
    delete_one("/attachments/{attachment_gid}", "attachment", attachments.delete),
]
