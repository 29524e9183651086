"""Checks made before any record is emitted: the shape of the state and catalog files, dates in the config
and the state, and one request (`GET /workspaces`) proving `api_url`, the credentials and `workspaces`.

Each problem is one line naming the setting or file and the fix; the CLI turns it into a usage error (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from asana_client.errors import NotFoundError
from asana_client.timestamps import parse_timestamp
from tap_asana.client import AsanaStream, Route

if TYPE_CHECKING:
    from singer_sdk import Stream

#: Replication keys whose bookmarks are Asana timestamps (`webhook_events` keeps a queue sequence number).
TIMESTAMP_KEYS = frozenset({"modified_at", "created_at"})
API_PATH = "/api/1.0"


class PreflightError(ValueError):
    """Input the tap cannot run with; the message says what to fix."""


def check_state(state: Any, source: str) -> None:
    """A Singer state: an object whose `bookmarks` maps streams to objects, with dates where dates belong."""
    if not isinstance(state, Mapping):
        raise PreflightError(f"{source} must hold a JSON object (a Singer state), not {_kind(state)}")
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, Mapping):
        raise PreflightError(f"{source}: `bookmarks` must be an object of streams, not {_kind(bookmarks)}")
    for stream, bookmark in bookmarks.items():
        where = f"{source}: bookmarks.{stream}"
        if not isinstance(bookmark, Mapping):
            raise PreflightError(f"{where} must be an object, not {_kind(bookmark)}")
        partitions = bookmark.get("partitions", [])
        if not isinstance(partitions, list) or not all(isinstance(p, Mapping) for p in partitions):
            raise PreflightError(f"{where}.partitions must be a list of objects")
        for entry in (bookmark, *partitions):
            _check_bookmark_value(entry, where)


def _check_bookmark_value(entry: Mapping[str, Any], where: str) -> None:
    for key in ("replication_key_value", "progress_markers"):
        value = entry.get(key)
        if key == "progress_markers":
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise PreflightError(f"{where}.progress_markers must be an object")
            entry, value = value, value.get("replication_key_value")
        if value is None or entry.get("replication_key") not in TIMESTAMP_KEYS:
            continue
        if not isinstance(value, str) or not _is_timestamp(value):
            raise PreflightError(
                f"{where}: the bookmark {value!r} is not a date-time (like 2024-01-31T00:00:00.000Z); "
                "fix it or remove the stream's bookmark to read it in full"
            )


def check_catalog(catalog: Any, source: str) -> None:
    """A Singer catalog: an object with a `streams` list of objects."""
    if not isinstance(catalog, Mapping):
        raise PreflightError(f"{source} must hold a JSON object (a Singer catalog), not {_kind(catalog)}")
    streams = catalog.get("streams")
    if not isinstance(streams, list) or not all(isinstance(s, Mapping) for s in streams):
        raise PreflightError(f"{source}: `streams` must be a list of stream objects (`tap-asana --discover`)")


def check_config(config: Mapping[str, Any]) -> None:
    """What the settings' JSON Schema cannot say: dates that parse, an `api_url` that names the API."""
    start_date = config.get("start_date")
    if start_date is not None and (not isinstance(start_date, str) or not _is_timestamp(start_date)):
        raise PreflightError(
            f"the `start_date` setting {start_date!r} is not a date-time (like 2024-01-31T00:00:00Z)"
        )
    if "api_url" in config:
        url = config["api_url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            raise PreflightError(
                f"the `api_url` setting {url!r} is not an http(s) URL; use https://app.asana.com/api/1.0 "
                "(or the sandbox's base URL, which ends in /api/1.0)"
            )
        if not parts.path.rstrip("/").endswith(API_PATH):
            raise PreflightError(
                f"the `api_url` setting {url!r} does not end in {API_PATH}; use "
                f"{parts.scheme}://{parts.netloc}{API_PATH} (Asana: https://app.asana.com/api/1.0)"
            )


def check_connection(stream: Stream, wanted: list[str]) -> list[str]:
    """One request (`GET /workspaces`): the URL answers as Asana does, and every workspace the `workspaces`
    setting names (by gid or name) is one the token sees. Returns the gids of the workspaces to read (all
    the token sees when `wanted` is empty)."""
    if not isinstance(stream, AsanaStream):
        raise TypeError(f"{stream.name} is not an Asana stream")
    route = Route("/workspaces", {"limit": 100, "opt_fields": "name"}, paginated=False, fields=False)
    try:
        body = stream.request_json(route, None)
    except NotFoundError:
        url = stream.client_settings.api_url
        raise PreflightError(
            f"the `api_url` setting {url!r} answered 404 for /workspaces: it is not the Asana API's base URL "
            "(https://app.asana.com/api/1.0, or the sandbox's URL ending in /api/1.0)"
        ) from None
    seen = [w for w in body.get("data") or [] if isinstance(w, Mapping)]
    names = set(map(str, wanted))
    chosen = [str(w.get("gid")) for w in seen if not names or {str(w.get("gid")), str(w.get("name"))} & names]
    if body.get("next_page"):
        return chosen  # more than a page of workspaces: the workspaces stream reports what it does not find
    known = {str(w.get("gid")) for w in seen} | {str(w.get("name")) for w in seen}
    unknown = [w for w in wanted if str(w) not in known]
    if unknown:
        visible = ", ".join(f"{w.get('name')} ({w.get('gid')})" for w in seen) or "none"
        raise PreflightError(
            f"the `workspaces` setting names {', '.join(map(str, unknown))}, which this token does not see; "
            f"it sees: {visible}"
        )
    return chosen


def _is_timestamp(value: str) -> bool:
    try:
        parse_timestamp(value)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), "that"
    )
