"""Jobs: the record of an asynchronous action (duplicate, instantiate, save as template, export).

The sandbox runs a duplicate, an instantiation or a save-as-template inside the request that starts it, so
its job is `succeeded` from the first answer and already names the new object; a client that polls
`GET /jobs/{job_gid}` until `succeeded` works unchanged. Exports (models/exports.py) finish later.

Asana allows a user 5 concurrent duplication, instantiation and export jobs (asana-api.md 3.2); a sixth is
refused with 429. Since only exports stay in progress here, the limit is reached only while exports run.
"""

from __future__ import annotations

from asana_sandbox.errors import rate_limited
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref

MAX_RUNNING = 5
RUNNING = ("not_started", "in_progress")
# Every result field of JobResponse; a job fills the one its action produces.
OUTPUTS = (
    "new_portfolio",
    "new_project",
    "new_task",
    "new_project_template",
    "new_graph_export",
    "new_resource_export",
)


def compact(record: Record) -> Record:
    """The result as a job names it: a compact object (a task's carries its subtype)."""
    out = ref(record)
    if record["resource_type"] == "task":
        out["resource_subtype"] = record.get("resource_subtype")
    return out


def finished(changes: Changes, subtype: str, workspace_gid: str, output: str, result: Record) -> Record:
    """A job of `subtype` that made `result` (reported in its `output` field), started by the acting user."""
    job: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "job",
        "resource_subtype": subtype,
        "status": "succeeded",
        **dict.fromkeys(OUTPUTS),
        output: compact(result),
        "_workspace": workspace_gid,
        "_creator": changes.actor["gid"] if changes.actor else None,
    }
    # Straight into the store: jobs are not reported by the Events API; the objects they make are.
    changes.store.insert(job)
    return job


def readable_by(job: Record, user_gid: str) -> bool:
    """Only a job's creator can read it (jobs of the demo dataset have no recorded creator)."""
    creator = job.get("_creator")
    return creator is None or creator == user_gid


def admit(changes: Changes) -> None:
    """429 when the acting user already has `MAX_RUNNING` jobs running (Asana's concurrent jobs limit)."""
    if changes.actor is None:
        return
    running = [
        job
        for job in changes.store.all("job")
        if job.get("_creator") == changes.actor["gid"] and job.get("status") in RUNNING
    ]
    if len(running) >= MAX_RUNNING:
        raise rate_limited(1)
