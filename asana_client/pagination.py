"""Asana's list pagination: `limit` up to 100 and an opaque `next_page.offset`, null on the last page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_PAGE_SIZE = 100


def page_limit(page_size: int | None) -> int:
    """The `limit` to send: the configured page size, within Asana's 1..100."""
    return min(MAX_PAGE_SIZE, max(1, int(page_size or MAX_PAGE_SIZE)))


def next_offset(body: Mapping[str, Any]) -> str | None:
    """The offset of the next page, or None on the last page (`next_page` null or absent)."""
    next_page = body.get("next_page")
    offset = next_page.get("offset") if isinstance(next_page, Mapping) else None
    return str(offset) if offset else None
