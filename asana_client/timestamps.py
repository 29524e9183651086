"""Asana's timestamps (`2024-01-05T10:00:00.000Z`): parsed to aware datetimes and formatted back."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(timezone.utc)


def parse_timestamp(value: str | None) -> datetime | None:
    """Asana's `2024-01-05T10:00:00.000Z`, as an aware datetime (a naive value is taken as UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_timestamp(value: datetime) -> str:
    """An aware datetime in Asana's format (UTC, milliseconds, `Z`); a naive one is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
