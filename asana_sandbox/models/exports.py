"""Graph, resource and organization exports: asynchronous jobs that end with a file to download.

Asana processes an export after the request that starts it, so a create answers an export in progress
(`in_progress`, an organization export `pending`) and the export finishes later: here `EXPORT_SECONDS`
afterwards, on a timer, after which `GET /jobs/{g}` (or `GET /organization_exports/{g}`) shows it finished
with its `download_url`. The sandbox writes no export file: download URLs name a file on an example host, as
the demo dataset's do. A workspace runs one resource export at a time; a second one meanwhile is refused with
403 (the spec's createResourceExport). The Events API does not report jobs or exports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from asana_sandbox.errors import bad_request, forbidden
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.jobs import OUTPUTS
from asana_sandbox.models.records import Record, ref, utcnow_iso
from asana_sandbox.store import Store

EXPORT_SECONDS = 1.0
DOWNLOAD_HOST = "https://asana-export.example.com"
GRAPH_PARENTS = ("goal", "project", "portfolio", "team")
RESOURCE_TYPES = ("task", "team", "message")


def graph(changes: Changes, body: Body, parent: Record) -> Record:
    """A graph export job of `parent` (the body's goal, project, portfolio or team), in progress."""
    workspace = parent.get("workspace") or parent.get("organization") or {}
    return _job(
        changes,
        "graph_export_request",
        "new_graph_export",
        "graph_export",
        workspace.get("gid"),
        parent["gid"],
    )


def resource(changes: Changes, body: Body, workspace: Record) -> Record:
    """A resource export job of `workspace`, for the body's `export_request_parameters`."""
    _read_parameters(body)
    for job in changes.store.related("job", "_workspace", workspace["gid"]):
        if job.get("new_resource_export") and job["status"] in ("not_started", "in_progress"):
            raise forbidden(
                f"Workspace {workspace['gid']} already has an export in progress: a workspace is limited "
                "to one in progress export request at a given time"
            )
    return _job(changes, "export_request", "new_resource_export", "export_request", workspace["gid"])


def organization(changes: Changes, body: Body, organization: Record) -> Record:
    """An export of the whole organization (the body's), pending."""
    if not organization.get("is_organization"):
        raise bad_request(f"organization: Workspace {organization['gid']} is not an organization")
    gid = changes.store.new_gid()
    export: Record = {
        "gid": gid,
        "resource_type": "organization_export",
        "created_at": changes.now,
        "download_url": None,
        "state": "pending",
        "organization": ref(organization),
        "_creator": changes.actor["gid"] if changes.actor else None,
    }
    changes.store.insert(export)
    url = f"{DOWNLOAD_HOST}/domain_export/{gid}.json.gz"
    _finish_later(changes.store, gid, lambda record: {"state": "finished", "download_url": url})
    return export


def _job(
    changes: Changes,
    subtype: str,
    output: str,
    output_type: str,
    workspace_gid: str | None,
    parent_gid: str | None = None,
) -> Record:
    export_gid = changes.store.new_gid()
    job: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "job",
        "resource_subtype": subtype,
        "status": "in_progress",
        **dict.fromkeys(OUTPUTS),
        output: {
            "gid": export_gid,
            "resource_type": output_type,
            "created_at": changes.now,
            "download_url": None,
            "completed_at": None,
        },
        "_workspace": workspace_gid,
        "_parent": parent_gid,
        "_creator": changes.actor["gid"] if changes.actor else None,
    }
    changes.store.insert(job)
    extension = "jsonl.gz" if output == "new_resource_export" else "json.gz"
    url = f"{DOWNLOAD_HOST}/{output_type}/{export_gid}.{extension}"

    def finished(record: Record) -> Record:
        done = {**record[output], "download_url": url, "completed_at": utcnow_iso()}
        return {"status": "succeeded", output: done}

    _finish_later(changes.store, job["gid"], finished)
    return job


def _finish_later(store: Store, gid: str, updates: Callable[[Record], Record]) -> None:
    """Finish the export `EXPORT_SECONDS` from now, outside any request (as Asana's workers do)."""

    def finish() -> None:
        with store.lock:
            record = store.get(gid)
            if record is not None:
                store.update(gid, updates(record))

    timer = threading.Timer(EXPORT_SECONDS, finish)
    timer.daemon = True
    timer.start()


def _read_parameters(body: Body) -> None:
    """`export_request_parameters`: a list of `{resource_type, filters, fields}` (task, team or message)."""
    raw = body.raw("export_request_parameters")
    if raw is None:
        return
    if not isinstance(raw, list):
        raise bad_request(f"export_request_parameters: Not an array: {raw!r}")
    for index, item in enumerate(raw):
        where = f"export_request_parameters[{index}]"
        if not isinstance(item, dict):
            raise bad_request(f"{where}: Not an object: {item!r}")
        reader = Body({f"{where}.{k}": v for k, v in item.items()}, body.store, body.user_gid)
        reader.choice(f"{where}.resource_type", RESOURCE_TYPES, required=True)
        filters = item.get("filters")
        if filters is not None and not isinstance(filters, dict):
            raise bad_request(f"{where}.filters: Not an object: {filters!r}")
        fields = item.get("fields")
        if fields is not None and (
            not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
        ):
            raise bad_request(f"{where}.fields: Not an array of strings: {fields!r}")
