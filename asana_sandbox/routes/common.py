"""Query-parameter parsing shared by route modules."""

from __future__ import annotations

from datetime import date, datetime, timezone

from asana_sandbox.errors import bad_request


def parse_datetime(name: str, raw: str) -> datetime:
    """An ISO 8601 date-time (or date) query parameter, as UTC; 400 when malformed."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise bad_request(f"{name}: Not a valid date-time: {raw!r}") from None
        value = datetime(day.year, day.month, day.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def parse_date(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{name}: Not a valid date (YYYY-MM-DD): {raw!r}") from None


def timestamp(value: str | None) -> datetime | None:
    """A stored Asana timestamp as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
