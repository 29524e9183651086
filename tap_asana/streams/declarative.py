"""Streams as rows of a table: `StreamSpec` describes one, `TableStream` reads any of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from asana_client.timestamps import format_timestamp, parse_timestamp
from tap_asana.client import AsanaStream, Route
from tap_asana.deletions import DELETABLE_STREAMS, DELETED_AT, deleted_at_property
from tap_asana.stream_schemas import stream_schema

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, Record

WORKSPACE_KEY = "workspace_gid"


@dataclass(frozen=True)
class StreamSpec:
    """What makes one stream different from the next."""

    name: str
    path: str
    parent: str | None = None
    #: Further parent streams: this stream also runs once per record of each (e.g. status updates of
    #: projects, portfolios and goals). `{parent_gid}` in `path`/`params` is the id of that record.
    other_parents: tuple[str, ...] = ()
    #: A different path when the parent id is under this context key (e.g. goal stories).
    path_by_parent_key: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    keys: tuple[str, ...] = ("gid",)
    #: Incremental streams: the record field bookmarked, and the query parameter that filters on it.
    replication_key: str | None = None
    since_param: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    tier: str = "free"
    paginated: bool = True
    #: The endpoint answers one object (`data: {...}`) rather than a list.
    single: bool = False
    #: Context keys that must be non-null for the call to make sense (else the partition is empty).
    requires: tuple[str, ...] = ()
    #: Ids handed to child streams: child context key -> dotted field of this stream's record.
    child_context: Mapping[str, str] = field(default_factory=dict)
    #: Child context keys only the children that `require` them see (not copied into other schemas).
    private_child_keys: tuple[str, ...] = ()
    #: Emit each gid once per run, e.g. users who belong to several workspaces.
    dedupe: bool = False
    #: Extra context keys this stream may receive beyond its parent's (hand-written partitions).
    extra_context_keys: tuple[str, ...] = ()
    #: Query parameters read in turn, one list call each, when one call cannot return everything (e.g.
    #: archived and active time tracking categories: the endpoint answers only active ones by default).
    variants: tuple[Mapping[str, str], ...] = ()
    cls: type[TableStream] | None = None


class TableStream(AsanaStream):
    """Reads one `StreamSpec`: a list call per parent partition, optionally filtered by a bookmark."""

    spec: ClassVar[StreamSpec]
    context_keys: ClassVar[tuple[str, ...]] = ()
    #: `*_since` filters are inclusive: skip the record at the bookmark, which the last run emitted.
    skip_boundary: ClassVar[bool] = True

    def __init__(self, tap: Tap) -> None:
        super().__init__(
            tap=tap,
            name=self.spec.name,
            schema=stream_schema(self.spec.name, self.context_keys),
            path=self.spec.path,
        )
        self._seen: set[str | None] = set()
        if self.spec.name in DELETABLE_STREAMS:
            # Declared so that catalogs and loaders know the column a tombstone fills (tap_asana.deletions).
            self.schema["properties"].setdefault(DELETED_AT, deleted_at_property())

    # -- request ----------------------------------------------------------------------------------
    def parent_key(self, context: Context | None) -> str | None:
        """The context key holding the id of the parent record (the one that is not the workspace)."""
        return next((k for k in self.context_keys if k != WORKSPACE_KEY and (context or {}).get(k)), None)

    def route_request(self, route: Route, context: Context | None, token: str | None) -> Any:
        key = self.parent_key(context)
        if key and context is not None:
            context = {**context, "parent_gid": context[key]}
        return super().route_request(route, context, token)

    def default_route(self, context: Context | None) -> Route:
        params: dict[str, Any] = dict(self.spec.params)
        if self.spec.since_param and (since := self.get_starting_timestamp(context)):
            params[self.spec.since_param] = format_timestamp(since)
        return Route(
            self.spec.path_by_parent_key.get(self.parent_key(context) or "", self.spec.path),
            params,
            paginated=self.spec.paginated and not self.spec.single,
            records_jsonpath="$.data" if self.spec.single else "$.data[*]",
        )

    def routes(self, context: Context | None) -> list[Route]:
        """The list calls of one partition: the stream's route, once per variant if it has some."""
        route = self.default_route(context)
        if not self.spec.variants:
            return [route]
        return [replace(route, params={**route.params, **extra}) for extra in self.spec.variants]

    def request_records(self, context: Context | None) -> Iterator[dict]:
        for page in self.request_pages(context):
            yield from page

    def request_pages(self, context: Context | None) -> Iterator[list[dict]]:
        for route in self.routes(context):
            yield from self.fetch_pages(route, context)

    def partition_jobs(self, context: Context | None, parent: Record | None = None) -> list[tuple[Any, Any]]:
        if any((context or {}).get(key) is None for key in self.spec.requires):
            return []
        if self.partition_unchanged(context):
            return []
        if self.spec.since_param:
            # The route's filter is the partition's starting value, which the SDK sets when the partition's
            # sync starts: set it now, from the same state, so the request queued is the one it will send.
            self._write_starting_replication_value(context)
        return [self.page_job(route, context, None) for route in self.routes(context)]

    def get_records(self, context: Context | None) -> Iterable[dict]:
        if any((context or {}).get(key) is None for key in self.spec.requires):
            return
        if self.partition_unchanged(context):
            return
        boundary = self.bookmark_from_state(context) if self.skip_boundary else None
        for page in self.request_pages(context):
            if boundary is not None:
                page = [r for r in page if parse_timestamp(r.get(self.replication_key)) != boundary]
            yield from self.with_children_read_ahead(page, context)

    def with_children_read_ahead(self, page: list[dict], context: Context | None) -> Iterator[dict]:
        """Yield `page`, the first requests of its records' child partitions queued for the workers first.

        The SDK syncs a record's children right after the record, so once the page is through, what was
        queued for it and not taken will not be (a record post_process dropped): it is discarded.
        """
        fresh = [r for r in page if r.get("gid") not in self._seen] if self.spec.dedupe else page
        if (signals := getattr(self.asana_tap, "change_signals", None)) is not None:
            # The page's projects' events first, all at once: what their partitions decide depends on them.
            signals.read_ahead_children(self, fresh, context)
        keys = self.prefetch_children(fresh, context)
        try:
            yield from page
        finally:
            if keys and (read_ahead := self.asana_tap.read_ahead) is not None:
                read_ahead.discard(keys)

    def partition_unchanged(self, context: Context | None) -> bool:
        """Whether this partition is not read in this run: Asana's events say it has not changed since the
        last run (tap_asana/change_signals.py), or its stream rests under `full_table_refresh_hours`
        (tap_asana/refresh_pacing.py)."""
        pacing = getattr(self.asana_tap, "refresh_pacing", None)
        if pacing is not None and pacing.skips(self, context):
            return True
        signals = getattr(self.asana_tap, "change_signals", None)
        return bool(signals is not None and signals.unchanged(self, context))

    @property
    def emit_activate_version_messages(self) -> bool:
        """The SDK's setting, except while partitions of this stream may be skipped (see
        `partition_unchanged`): a loader would delete the rows of the partitions not read."""
        sent = bool(super().emit_activate_version_messages)
        keeps = getattr(self.asana_tap, "keeps_activate_version", None)
        return sent and (keeps is None or bool(keeps(self)))

    def bookmark_from_state(self, context: Context | None) -> Any:
        """The bookmark of a previous run (not `start_date`), as an aware datetime, or None."""
        if not self.replication_key:
            return None
        value = self.get_context_state(context).get("replication_key_value")
        return parse_timestamp(value) if isinstance(value, str) else None

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        for key in self.context_keys:
            if context and key in context:
                row.setdefault(key, context[key])
        if self.spec.dedupe:
            gid = row.get("gid")
            if gid in self._seen:
                return None
            self._seen.add(gid)
        return row

    def preprocess_context(self, context: Context) -> Context:
        """Keep only the ids this stream uses, so state partitions stay small and stable."""
        return {k: v for k, v in context.items() if k in self.context_keys}

    # -- children ---------------------------------------------------------------------------------
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        child: dict[str, Any] = {}
        if context and WORKSPACE_KEY in context:
            child[WORKSPACE_KEY] = context[WORKSPACE_KEY]
        for key, path in self.spec.child_context.items():
            child[key] = dotted_get(record, path)
        return child


def dotted_get(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def build_stream_classes(specs: Sequence[StreamSpec]) -> list[type[TableStream]]:
    """One SDK stream class per row, linked to its parent class by name."""
    by_name = {spec.name: spec for spec in specs}
    classes: dict[str, type[TableStream]] = {}

    def handed_down(spec: StreamSpec) -> tuple[str, ...]:
        inherited = () if spec.parent is None else handed_down(by_name[spec.parent])
        keys = [WORKSPACE_KEY] if WORKSPACE_KEY in inherited or WORKSPACE_KEY in spec.child_context else []
        keys += [k for k in spec.child_context if k != WORKSPACE_KEY]
        return tuple(keys)

    def build(spec: StreamSpec) -> type[TableStream]:
        if spec.name in classes:
            return classes[spec.name]
        parent = build(by_name[spec.parent]) if spec.parent else None
        context_keys: list[str] = []
        for parent_name in filter(None, (spec.parent, *spec.other_parents)):
            parent_spec = by_name[parent_name]
            private = set(parent_spec.private_child_keys) - set(spec.requires)
            context_keys += [
                k for k in handed_down(parent_spec) if k not in private and k not in context_keys
            ]
        context_keys += [k for k in spec.extra_context_keys if k not in context_keys]
        base = spec.cls or TableStream
        attrs: dict[str, Any] = {
            "spec": spec,
            "context_keys": tuple(context_keys),
            "primary_keys": spec.keys,
            "replication_key": spec.replication_key,
            "tier": spec.tier,
            "paginated": spec.paginated and not spec.single,
            "parent_stream_type": parent,
            "__doc__": spec.description or f"Asana {spec.name}.",
        }
        # Full-table streams keep no per-partition state; incremental ones keep one bookmark per partition.
        if spec.replication_key is None and parent is not None:
            attrs["state_partitioning_keys"] = []
        cls = type(_class_name(spec.name), (base,), attrs)
        classes[spec.name] = cls
        return cls

    return [build(spec) for spec in specs]


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Stream"
