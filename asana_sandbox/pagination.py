"""Asana's offset-token pagination: `limit` 1-100, opaque expiring tokens, `next_page` only with `limit`."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from urllib.parse import urlencode

from asana_sandbox.errors import TOO_LARGE_MESSAGE, bad_request
from asana_sandbox.store import Record

MAX_LIMIT = 100
# Asana truncates "grandfathered" unpaginated lists at about 1,000 objects and answers 400 above that.
MAX_UNPAGINATED = 1000
EXPIRED_OFFSET_MESSAGE = (
    "offset: Your pagination token has expired. Restart the request without an offset to get a new one."
)
INVALID_OFFSET_MESSAGE = "offset: Invalid offset token. Use the offset returned in next_page."


def encode_offset(position: int, last_gid: str | None, issued: float | None = None) -> str:
    payload = {"p": position, "g": last_gid, "t": round(issued if issued is not None else time.time(), 3)}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_offset(token: str, ttl_seconds: float | None) -> tuple[int, str | None]:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position, last_gid, issued = int(payload["p"]), payload.get("g"), float(payload["t"])
    except (ValueError, KeyError, TypeError):
        raise bad_request(INVALID_OFFSET_MESSAGE) from None
    if position < 0:
        raise bad_request(INVALID_OFFSET_MESSAGE)
    if ttl_seconds is not None and time.time() - issued > ttl_seconds:
        raise bad_request(EXPIRED_OFFSET_MESSAGE)
    return position, last_gid


def parse_limit(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request("limit: Must be an integer between 1 and 100") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request("limit: Must be an integer between 1 and 100")
    return limit


def paginate(
    items: Sequence[Record],
    args: dict[str, str],
    *,
    api_path: str,
    api_root: str,
    ttl_seconds: float | None,
    paginated: bool = True,
    max_unpaginated: int = MAX_UNPAGINATED,
    endless: bool = False,
) -> tuple[Sequence[Record], dict[str, object]]:
    """One page of `items` and the envelope extras (`next_page`) for the request's query `args`.

    `endless` lists (the audit log) always give a `next_page`, so a client can poll it for newer items.
    """
    limit = parse_limit(args.get("limit")) if paginated else None
    start = 0
    if args.get("offset"):
        position, last_gid = decode_offset(args["offset"], ttl_seconds)
        start = _resume_position(items, position, last_gid)
    if limit is None:
        rest = items[start:]
        if len(rest) > max_unpaginated:
            raise bad_request(TOO_LARGE_MESSAGE)
        return rest, {}
    page = items[start : start + limit]
    end = start + len(page)
    if end >= len(items) and not endless:
        return page, {"next_page": None}
    last = page[-1] if page else (items[start - 1] if 0 < start <= len(items) else None)
    token = encode_offset(end, last.get("gid") if last else None)
    query = {k: v for k, v in args.items() if k != "offset"}
    query["offset"] = token
    path = f"{api_path}?{urlencode(query)}"
    return page, {"next_page": {"offset": token, "path": path, "uri": f"{api_root}{path}"}}


def _resume_position(items: Sequence[Record], position: int, last_gid: str | None) -> int:
    """Continue after the last record served, even if records before it were deleted meanwhile."""
    if last_gid is None or position == 0:
        return position
    if 0 < position <= len(items) and items[position - 1].get("gid") == last_gid:
        return position
    for index, item in enumerate(items):
        if item.get("gid") == last_gid:
            return index + 1
    return min(position, len(items))
