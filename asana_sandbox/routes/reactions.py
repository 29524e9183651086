"""`GET /reactions?target=&emoji_base=`: who reacted with one emoji to a story or a status update.

The datasets keep reactions only as counts (`reaction_summary` on stories and status updates: emoji base,
variant, count, and whether the reading user `reacted`). The reactions themselves are derived from those
counts, the same on every call: per variant, `count` reactions by distinct users of the target's workspace,
the token's user among them when the summary says they reacted (at most one reaction per user and variant).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.models.records import Record, ref
from asana_sandbox.projection import parse_opt_fields
from asana_sandbox.routes.base import RequestContext, Route

TARGET_TYPES = ("story", "status_update")
# ReactionCompact's fields: the spec gives reactions no resource_type.
DEFAULT_FIELDS = "emoji,user"


def _reactions(ctx: RequestContext) -> Response:
    target = ctx.obj(ctx.require("target"), TARGET_TYPES, "target")
    emoji_base = ctx.require("emoji_base")
    if ctx.fields is None:
        ctx.fields = parse_opt_fields(DEFAULT_FIELDS)
    return ctx.page(derived(ctx, target, emoji_base))


def derived(ctx: RequestContext, target: Record, emoji_base: str) -> list[Record]:
    """The reactions that `target`'s summary counts for `emoji_base`, in summary order."""
    workspace_gid = ctx.workspace_of(target)
    users = [u for u in ctx.store.all("user") if any(w["gid"] == workspace_gid for w in u["workspaces"])]
    me = ctx.store.get(ctx.token.user_gid, "user")
    out: list[Record] = []
    for item in target.get("reaction_summary") or ():
        if item.get("emoji_base") != emoji_base:
            continue
        variant = item.get("variant") or emoji_base
        for user in _reactors(target["gid"], variant, item, users, me):
            gid = _gid(target["gid"], variant, user["gid"])
            out.append({"gid": gid, "emoji": variant, "user": ref(user)})
    return out


def _reactors(
    target_gid: str, variant: str, item: Record, users: Sequence[Record], me: Record | None
) -> list[Record]:
    count = int(item.get("count") or 0)
    first = [me] if item.get("reacted") and me is not None else []
    others = [u for u in users if not first or u["gid"] != first[0]["gid"]]
    # Seeded by the target and the emoji, so every call (and every sandbox) derives the same users.
    random.Random(f"{target_gid}:{variant}").shuffle(others)
    return (first + others)[: max(0, count)]


def _gid(*parts: str) -> str:
    """A stable numeric gid for a derived reaction."""
    digest = hashlib.sha256(":".join(parts).encode()).hexdigest()
    return str(int(digest[:15], 16))


ROUTES: list[Route] = [Route("GET", "/reactions", _reactions)]
