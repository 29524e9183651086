"""Access requests: a user asks to join a project or portfolio; an admin of it approves or rejects.

Approving makes the requester a member of the target at its default access level. Only pending requests
are listed (`GET /access_requests`), so a request leaves the list once approved or rejected, and cannot be
answered twice. The Events API does not report access requests; the membership an approval makes is reported.
"""

from __future__ import annotations

from asana_sandbox.errors import bad_request, forbidden
from asana_sandbox.inputs import Body
from asana_sandbox.models import memberships
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref

TARGET_TYPES = ("project", "portfolio")


def create(changes: Changes, body: Body, target: Record) -> Record:
    """A pending request of the acting user for `target` (read by the caller, for the tier gate)."""
    message = body.text("message")
    if changes.actor is None:
        raise forbidden()
    record: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "access_request",
        "message": message,
        "approval_status": "pending",
        "requester": ref(changes.actor),
        "target": {"gid": target["gid"], "resource_type": target["resource_type"]},
    }
    changes.store.insert(record)
    return record


def drop_for(changes: Changes, target: Record) -> None:
    """A project or portfolio that is going away takes the requests to join it along (no events, as ever)."""
    for request in changes.store.related("access_request", "target", target["gid"]):
        changes.store.delete(request["gid"])


def approve(changes: Changes, request: Record, *, service_account: bool) -> None:
    """The requester becomes a member of the target."""
    target = _answerable(changes, request, service_account=service_account)
    requester = changes.store.get(request["requester"]["gid"], "user")
    if requester is not None:
        memberships.add(changes, target, requester)
    changes.store.update(request["gid"], {"approval_status": "approved"})


def reject(changes: Changes, request: Record, *, service_account: bool) -> None:
    _answerable(changes, request, service_account=service_account)
    changes.store.update(request["gid"], {"approval_status": "denied"})


def _answerable(changes: Changes, request: Record, *, service_account: bool) -> Record:
    """The target of a pending request that the acting user may answer (an admin of the target)."""
    status = request.get("approval_status") or "pending"
    if status != "pending":
        raise bad_request(f"access_request_gid: Access request {request['gid']} is already {status}")
    target = changes.store.get(request["target"]["gid"])
    if target is None:
        raise bad_request(f"access_request_gid: The target of access request {request['gid']} is gone")
    actor = changes.actor
    if service_account or actor is None:
        return target
    membership = memberships.find(changes.store, target, actor)
    owner = (target.get("owner") or {}).get("gid")
    if owner != actor["gid"] and (membership is None or membership.get("access_level") != "admin"):
        raise forbidden(f"Only an admin of {target['resource_type']} {target['gid']} can answer its requests")
    return target
