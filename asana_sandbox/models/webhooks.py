"""Webhooks: establish, change the filters of, and delete a subscription to a resource's events.

The create makes Asana's handshake while it is in flight (`webhook_delivery.WebhookDeliverer.handshake`: a
POST with `X-Hook-Secret` that the target must answer 200 or 204 echoing it); a target that does not is
refused with 400 and nothing is stored. An established webhook is `active` and gets its events delivered (see
`webhook_delivery`). The create's other checks are Asana's: a target must be an absolute http(s) URL, a local
hostname is refused with 403 ("Invalid hostnames like localhost will receive a 403 Forbidden"; the sandbox
lets loopback targets through only when told to, `--allow-loopback-webhooks`), and webhooks on workspaces,
teams and portfolios need filters from the short list Asana allows there (asana-api.md 3.5). The Events API
does not report webhooks.
"""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any
from urllib.parse import urlsplit

from asana_sandbox.errors import ApiError, bad_request, forbidden, not_found
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref
from asana_sandbox.webhook_delivery import WebhookDeliverer, is_loopback

RESOURCE_TYPES = ("workspace", "team", "portfolio", "project", "section", "task", "tag", "goal")
ACTIONS = ("changed", "added", "removed", "deleted", "undeleted")
# Resources whose webhooks must filter, and the only filters allowed on them (asana-api.md 3.5).
LARGER_SCOPED = ("workspace", "team", "portfolio")
LARGER_SCOPE_FILTERS = {
    "project": ("added", "removed", "deleted", "undeleted", "changed"),
    "team_membership": ("added", "removed"),
    "workspace_membership": ("added", "removed"),
}
# A failed handshake: Asana documents only "you will receive an error in response to your attempt to create
# it"; a client's report of such a create shows 400 (github.com/ajimix/asana-api-php-class issue 62). The
# message is worded after what developers report Asana answers; no capture of it was at hand to check.
HANDSHAKE_FAILED = (
    "Could not complete activation handshake with target URL. "
    "Please ensure that the receiving server is accepting connections and supports SSL"
)
# Asana's message, as it answers it (forum.asana.com, "invalid_filters_for_larger_scoped_webhooks").
LARGER_SCOPE_MESSAGE = (
    "Webhooks for larger scoped resources must have at least one filter "
    "and all filters must be in our whitelist."
)


def create(
    changes: Changes, body: Body, resource: Record, workspace_gid: str | None, deliverer: WebhookDeliverer
) -> tuple[Record, str]:
    """A new webhook on `resource` (the body's, read by the caller) and its secret, once the target has
    answered the handshake; delivering from then on."""
    target = body.text("target", required=True)
    assert target is not None
    _check_target(target, allow_loopback=deliverer.settings.allow_loopback)
    filters = read_filters(body, resource)
    secret = secrets.token_hex(32)
    if not deliverer.handshake(target, secret):
        raise ApiError(400, HANDSHAKE_FAILED)
    if changes.store.get(resource["gid"]) is None:  # deleted by another request during the handshake
        raise not_found("resource")
    hook: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "webhook",
        "active": True,
        "resource": ref(resource),
        "target": target,
        "created_at": changes.now,
        "last_failure_at": None,
        "last_failure_content": None,
        "last_success_at": None,
        "delivery_retry_count": 0,
        "next_attempt_after": None,
        "failure_deletion_timestamp": None,
        "filters": filters,
        "_workspace": workspace_gid,
        "_secret": secret,
        "_creator": changes.actor["gid"] if changes.actor else None,
    }
    changes.store.insert(hook)
    deliverer.register(hook)
    return hook, secret


def update(changes: Changes, hook: Record, body: Body) -> Record:
    """The spec: the previous `filters` are "completely overwritten by the `filters` sent"."""
    body.forbid("resource", "target")
    if body.has("filters"):
        resource = changes.store.get(hook["resource"]["gid"]) or hook["resource"]
        changes.store.update(hook["gid"], {"filters": read_filters(body, resource)})
    return hook


def delete(changes: Changes, hook: Record) -> None:
    """The spec: "This method *permanently* removes a webhook"."""
    changes.store.delete(hook["gid"])


def read_filters(body: Body, resource: Record) -> list[Record]:
    """The body's `filters` as WebhookFilter records; higher-level resources need whitelisted ones."""
    raw = body.raw("filters")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise bad_request(f"filters: Not an array: {raw!r}")
    filters = [_read_filter(body, index, item) for index, item in enumerate(raw)]
    if resource.get("resource_type") in LARGER_SCOPED and (
        not filters or not all(map(_whitelisted, filters))
    ):
        raise bad_request(LARGER_SCOPE_MESSAGE)
    return filters


def _read_filter(body: Body, index: int, item: Any) -> Record:
    where = f"filters[{index}]"
    if not isinstance(item, dict):
        raise bad_request(f"{where}: Not an object: {item!r}")
    reader = Body({f"{where}.{k}": v for k, v in item.items()}, body.store, body.user_gid)
    found: Record = {
        "resource_type": reader.text(f"{where}.resource_type"),
        "resource_subtype": reader.text(f"{where}.resource_subtype"),
        "action": reader.choice(f"{where}.action", ACTIONS) if item.get("action") is not None else None,
        "fields": None,
    }
    fields = item.get("fields")
    if fields is not None:
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise bad_request(f"{where}.fields: Not an array of strings: {fields!r}")
        if found["action"] != "changed":
            raise bad_request(f"{where}.fields: Only valid for the action changed")
        found["fields"] = list(fields)
    return found


def _whitelisted(found: Record) -> bool:
    actions = LARGER_SCOPE_FILTERS.get(found["resource_type"] or "")
    return actions is not None and found["action"] in actions and not found["fields"]


def _check_target(target: str, *, allow_loopback: bool) -> None:
    parts = urlsplit(target)
    try:
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise bad_request(f"target: Not a valid URL: {target}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request(f"target: Not a valid URL: {target}")
    host = parts.hostname.lower()
    if allow_loopback and is_loopback(host):
        return
    if host == "localhost" or host.endswith(".localhost") or _local_address(host):
        raise forbidden(f"target: Invalid hostname: {host}")


def _local_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified
