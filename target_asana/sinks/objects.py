"""Every writable stream other than tasks, as rows of one table read by one sink class.

A row says where an object is read, created, updated and deleted, which fields a write sends (and which
only at creation), how a record without a gid is matched (a natural key among its container's objects),
and what a soft delete is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from singer_sdk.exceptions import FatalAPIError

from target_asana.calls import Call
from target_asana.outcomes import Rejected
from target_asana.sinks.base import AsanaSink, Record, ref_gid, ref_gids


@dataclass(frozen=True)
class ObjectSpec:
    """How one stream's objects are written. Paths take `{name}` placeholders filled from the record:
    `{gid}`, or a parent's id from `<name>` (a reference) or `<name>_gid` (the tap's context field)."""

    stream: str
    rank: int
    read: str | None
    create: str | None
    update: str | None = None
    delete: str | None = None
    #: Fields compared and sent on create and update.
    fields: tuple[str, ...] = ()
    #: Reference fields (sent as a gid) compared and sent on create and update.
    refs: tuple[str, ...] = ()
    #: Fields and references sent only when creating (Asana refuses them on an update).
    create_only: tuple[str, ...] = ()
    create_only_refs: tuple[str, ...] = ()
    #: Constant fields of every create (e.g. the subtype of a URL attachment).
    create_constants: Mapping[str, Any] = field(default_factory=dict)
    #: Where the objects of a record's container are listed, and the fields that match a record to one.
    listing: str | None = None
    natural_key: tuple[str, ...] = ()
    #: The fields a soft delete sends (None: a soft delete is not possible, the record is skipped).
    soft_delete: Mapping[str, Any] | None = None
    #: Records it will not write (e.g. system stories), and why.
    skip: tuple[tuple[str, Any], ...] = ()
    skip_reason: str = ""
    #: The create is a multipart form (attachments).
    form: bool = False
    #: The create is an action on the container that answers an empty body (addItem, addUser...).
    create_is_action: bool = False
    #: Fields of the record that hold the created object's id in an action's body (e.g. `item`).
    action_ref: str | None = None
    #: Remove action path for objects created by an action (removeItem...), with the same body.
    remove_action: str | None = None


SPECS: tuple[ObjectSpec, ...] = (
    ObjectSpec(
        "custom_fields",
        rank=5,
        read="/custom_fields/{gid}",
        create="/custom_fields",
        update="/custom_fields/{gid}",
        delete="/custom_fields/{gid}",
        fields=("name", "description", "precision", "format", "currency_code"),
        create_only=("resource_subtype", "enum_options"),
        create_only_refs=("workspace",),
        listing="/workspaces/{workspace}/custom_fields",
        natural_key=("name",),
    ),
    ObjectSpec(
        "projects",
        rank=10,
        read="/projects/{gid}",
        create="/projects",
        update="/projects/{gid}",
        delete="/projects/{gid}",
        fields=(
            "name",
            "notes",
            "html_notes",
            "color",
            "archived",
            "due_on",
            "start_on",
            "default_view",
            "privacy_setting",
        ),
        refs=("owner",),
        create_only_refs=("workspace", "team"),
        listing="/workspaces/{workspace}/projects",
        natural_key=("name",),
        soft_delete={"archived": True},
    ),
    ObjectSpec(
        "goals",
        rank=15,
        read="/goals/{gid}",
        create="/goals",
        update="/goals/{gid}",
        delete="/goals/{gid}",
        fields=("name", "notes", "html_notes", "due_on", "start_on", "status", "is_workspace_level"),
        refs=("owner", "time_period"),
        create_only_refs=("workspace", "team"),
        listing="/goals?workspace={workspace}",
        natural_key=("name",),
    ),
    ObjectSpec(
        "sections",
        rank=20,
        read="/sections/{gid}",
        create="/projects/{project}/sections",
        update="/sections/{gid}",
        delete="/sections/{gid}",
        fields=("name",),
        listing="/projects/{project}/sections",
        natural_key=("name",),
    ),
    ObjectSpec(
        "tags",
        rank=20,
        read="/tags/{gid}",
        create="/workspaces/{workspace}/tags",
        update="/tags/{gid}",
        delete="/tags/{gid}",
        fields=("name", "color", "notes"),
        listing="/workspaces/{workspace}/tags",
        natural_key=("name",),
    ),
    ObjectSpec(
        "memberships",
        rank=25,
        read="/memberships/{gid}",
        create="/memberships",
        update="/memberships/{gid}",
        delete="/memberships/{gid}",
        fields=("access_level",),
        create_only_refs=("parent", "member"),
        listing="/memberships?parent={parent}",
        natural_key=("member",),
    ),
    ObjectSpec(
        "team_memberships",
        rank=25,
        read=None,
        create="/teams/{team}/addUser",
        listing="/teams/{team}/team_memberships",
        natural_key=("user",),
        create_is_action=True,
        action_ref="user",
        remove_action="/teams/{team}/removeUser",
    ),
    ObjectSpec(
        "portfolio_memberships",
        rank=25,
        read=None,
        create="/portfolios/{parent}/addMembers",
        listing="/portfolios/{parent}/portfolio_memberships",
        natural_key=("member",),
        create_is_action=True,
        action_ref="members",
        remove_action="/portfolios/{parent}/removeMembers",
    ),
    ObjectSpec(
        "stories",
        rank=40,
        read="/stories/{gid}",
        create="/tasks/{task}/stories",
        update="/stories/{gid}",
        delete="/stories/{gid}",
        fields=("html_text", "is_pinned"),
        create_only=("sticker_name",),
        listing="/tasks/{task}/stories",
        natural_key=("text",),
        skip=(("type", "system"),),
        skip_reason="system stories are written by Asana itself",
    ),
    ObjectSpec(
        "time_tracking_entries",
        rank=40,
        read="/time_tracking_entries/{gid}",
        create="/tasks/{task}/time_tracking_entries",
        update="/time_tracking_entries/{gid}",
        delete="/time_tracking_entries/{gid}",
        fields=("duration_minutes", "entered_on", "billable_status", "description"),
        refs=("attributable_to",),
        listing="/tasks/{task}/time_tracking_entries",
        natural_key=("entered_on", "duration_minutes"),
    ),
    ObjectSpec(
        "status_updates",
        rank=40,
        read="/status_updates/{gid}",
        create="/status_updates",
        delete="/status_updates/{gid}",
        create_only=("status_type", "title", "text", "html_text"),
        create_only_refs=("parent",),
        listing="/status_updates?parent={parent}",
        natural_key=("title",),
    ),
    ObjectSpec(
        "portfolio_items",
        rank=45,
        read=None,
        create="/portfolios/{portfolio}/addItem",
        listing="/portfolios/{portfolio}/items",
        natural_key=("gid",),
        create_is_action=True,
        action_ref="item",
        remove_action="/portfolios/{portfolio}/removeItem",
    ),
    ObjectSpec(
        "attachments",
        rank=45,
        read="/attachments/{gid}",
        create="/attachments",
        delete="/attachments/{gid}",
        create_only=("url", "name"),
        create_only_refs=("parent",),
        create_constants={"resource_subtype": "external"},
        listing="/attachments?parent={parent}",
        natural_key=("name",),
        skip=(("host", "asana"),),
        skip_reason="files uploaded to Asana are not re-uploaded; attachments by URL are written",
        form=True,
    ),
)
#: Context fields of the tap that hold a parent's id: `<name>_gid`.
_PLACEHOLDER = re.compile(r"{(\w+)}")
#: Which context field of the tap's records names the parent of a record of these streams.
_PARENT_CONTEXT = ("project_gid", "portfolio_gid", "goal_gid", "task_gid", "parent_gid")


class ObjectSink(AsanaSink):
    """Writes the records of one `ObjectSpec`: upsert by gid or natural key, only what differs."""

    spec: ClassVar[ObjectSpec]

    def write(self, records: list[Record]) -> None:
        # Records naming the same object go in successive rounds, in input order: the first creates it,
        # the next find it and update it (sent together, each would create its own object).
        rounds: list[list[Record]] = []
        seen: dict[Any, int] = {}
        for record in records:
            name = self._identity(record)
            seen[name] = seen.get(name, -1) + 1
            if seen[name] == len(rounds):
                rounds.append([])
            rounds[seen[name]].append(record)
        for round_ in rounds:
            self._write_round(round_)

    def _identity(self, record: Record) -> Any:
        """What names the object a record stands for: its gid, or its natural key in its container."""
        gid = ref_gid(record.get("gid"))
        if gid:
            return ("gid", gid)
        try:
            container = _fill(self.spec.listing or "", record, self.run)
        except Rejected:
            return ("record", id(record))  # rejected when planned
        return ("key", container, *(repr(_comparable(record, k)) for k in self.spec.natural_key))

    def _write_round(self, records: list[Record]) -> None:
        spec = self.spec
        reads, items = [], []
        for record in records:
            for name, value in spec.skip:
                if record.get(name) == value:
                    self.run.summary.count(self.stream_name, "skipped")
                    break
            else:
                items.append(record)
        with_gid = [r for r in items if ref_gid(r.get("gid")) and spec.read]
        reads = [Call("GET", _fill(spec.read or "", r), fields=self._compare_fields()) for r in with_gid]
        current: dict[int, Record | None] = {}
        for record, read in zip(with_gid, self.run.dispatcher.run(reads), strict=True):
            if read.ok:
                current[id(record)] = read.data
            elif read.status == 404:
                current[id(record)] = None
            else:
                raise FatalAPIError(f"reading {self.stream_name} {record.get('gid')}: {read.error}")
        planned: list[tuple[Record, str, Call | None]] = []
        for record in items:
            try:
                existing = current[id(record)] if id(record) in current else self._match(record)
                planned.append(self._plan(record, existing))
            except Rejected as exc:
                self.reject(record, str(exc))
        if self.run.dry_run:
            for _, outcome, _ in planned:
                self.outcome(outcome)
            return
        sendable = [(r, o, c) for r, o, c in planned if c is not None]
        results = self.run.dispatcher.run([c for _, _, c in sendable])
        if sendable:
            # Listings read before these writes no longer tell what exists or what it holds (a later
            # record may name an object written here): read them again when next needed.
            self.run.lookup.forget_all("listing", self.stream_name)
        for (record, outcome, _call), result in zip(sendable, results, strict=True):
            if result.uncertain:
                # Not looked up here: the run stops without its state, and the next run matches what
                # did happen by its natural key instead of creating it again.
                name = record.get("gid") or " / ".join(str(record.get(k)) for k in self.spec.natural_key)
                raise FatalAPIError(f"{self.stream_name} record {name}: {result.error}; run again")
            if result.refused:
                self.reject(record, result.error or "refused")
            else:
                self.outcome(outcome)
        for _, outcome, call in planned:
            if call is None:
                self.outcome(outcome)

    # -- matching ---------------------------------------------------------------------------------
    def _compare_fields(self) -> tuple[str, ...]:
        spec = self.spec
        return tuple(dict.fromkeys(("gid", *spec.fields, *spec.refs, *spec.natural_key, *spec.create_only)))

    def _match(self, record: Record) -> Record | None:
        """The existing object a record without a (known) gid stands for, by its natural key."""
        spec = self.spec
        if ref_gid(record.get("gid")) and spec.read:
            return None
        if spec.listing is None or not spec.natural_key:
            raise Rejected("no gid, and this stream has no natural key to match on")
        wanted = tuple(_comparable(record, k) for k in spec.natural_key)
        if any(v in (None, "") for v in wanted):
            raise Rejected(f"no gid and no {' / '.join(spec.natural_key)} to match an existing object on")
        path = _fill(spec.listing, record, self.run)
        found = self.run.lookup.cached(  # one listing per container and run
            ("listing", self.stream_name, path),
            lambda: list(
                self.run.client.paginate(
                    path.split("?")[0], {**_query(path), "opt_fields": ",".join(self._compare_fields())}
                )
            ),
        )
        for candidate in found:
            if tuple(_comparable(candidate, k) for k in spec.natural_key) == wanted:
                return dict(candidate)
        return None

    # -- deciding ---------------------------------------------------------------------------------
    def _plan(self, record: Record, existing: Record | None) -> tuple[Record, str, Call | None]:
        spec, settings = self.spec, self.run.settings
        if record.get("_sdc_deleted_at") is not None:
            return self._plan_delete(record, existing)
        if existing is None:
            if spec.create is None:
                raise Rejected("Asana has no way to create these objects")
            return record, "created", self._create_call(record)
        if spec.update is None:
            return record, "unchanged", None
        changed = {}
        for name in (*spec.fields, *spec.refs):
            if name not in record:
                continue
            wanted = ref_gid(record[name]) if name in spec.refs else record[name]
            have = ref_gid(existing.get(name)) if name in spec.refs else existing.get(name)
            if wanted != have and not (
                settings.conflict_policy == "fill_empty_only" and have not in (None, "")
            ):
                changed[name] = wanted
        if not changed:
            return record, "unchanged", None
        return record, "updated", Call("PUT", _fill(spec.update, {**record, "gid": existing["gid"]}), changed)

    def _plan_delete(self, record: Record, existing: Record | None) -> tuple[Record, str, Call | None]:
        spec, mode = self.spec, self.run.settings.deletes
        if mode == "ignore":
            return record, "skipped", None
        if existing is None:
            return record, "unchanged", None
        gid = existing.get("gid") or ref_gid(record.get("gid"))
        if mode == "soft":
            if spec.soft_delete is None:
                return record, "skipped", None
            if all(existing.get(k) == v for k, v in spec.soft_delete.items()):
                return record, "unchanged", None
            return (
                record,
                "deleted",
                Call("PUT", _fill(spec.update or "", {**record, "gid": gid}), spec.soft_delete),
            )
        if spec.remove_action and spec.action_ref:
            body = {spec.action_ref: _action_value(spec, record)}
            return (
                record,
                "deleted",
                Call("POST", _fill(spec.remove_action, record, self.run), body, idempotent=True),
            )
        if spec.delete is None:
            return record, "skipped", None
        return record, "deleted", Call("DELETE", _fill(spec.delete, {**record, "gid": gid}))

    def _create_call(self, record: Record) -> Call:
        spec = self.spec
        if spec.create_is_action and spec.action_ref:
            action = {spec.action_ref: _action_value(spec, record)}
            return Call("POST", _fill(spec.create or "", record, self.run), action, idempotent=True)
        body: Record = dict(spec.create_constants)
        for name in (*spec.fields, *spec.create_only):
            if record.get(name) is not None:
                body[name] = record[name]
        if "html_notes" in body:
            body.pop("notes", None)  # one form of the description; the HTML one keeps formatting
        if "html_text" in body:
            body.pop("text", None)
        for name in (*spec.refs, *spec.create_only_refs):
            gid = _context_gid(record, name, self.run)
            if gid is not None:
                body[name] = gid
        if spec.stream == "stories" and "html_text" not in body and record.get("text"):
            body["text"] = record["text"]
        path = _fill(spec.create or "", record, self.run)
        if spec.form:
            return Call("POST", path, form=body)
        return Call("POST", path, body)


def _action_value(spec: ObjectSpec, record: Record) -> Any:
    key = spec.natural_key[0]
    gid = ref_gid(record.get(key)) or ref_gid(record.get("gid"))
    return [gid] if spec.action_ref == "members" else gid


def _comparable(record: Record, name: str) -> Any:
    value = record.get(name)
    return ref_gid(value) or value if isinstance(value, dict) else value


def _context_gid(record: Record, name: str, run: Any = None) -> str | None:
    """A parent's id in a record: the reference `name`, the tap's `name_gid` context field, or a
    `parent_gid`-style field; the workspace falls back on the `workspace` setting."""
    gid = ref_gid(record.get(name)) or ref_gid(record.get(f"{name}_gid"))
    if gid is None and name in ("parent", "task", "project", "portfolio", "goal"):
        if name == "task":
            gid = ref_gid(record.get("target")) or ref_gid(record.get("task"))
        gid = gid or next((ref_gid(record.get(k)) for k in _PARENT_CONTEXT if ref_gid(record.get(k))), None)
    if gid is None and name == "workspace" and run is not None:
        gid = run.lookup.workspace(run.settings.workspace)
    return gid


def _fill(template: str, record: Record, run: Any = None) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        gid = ref_gid(record.get("gid")) if name == "gid" else _context_gid(record, name, run)
        if gid is None:
            raise Rejected(f"no {name} to write this record under")
        return gid

    return _PLACEHOLDER.sub(value, template)


def _query(path: str) -> dict[str, str]:
    if "?" not in path:
        return {}
    return dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))


def sink_classes() -> dict[str, type[ObjectSink]]:
    """One sink class per row of `SPECS`, by stream name."""
    return {
        spec.stream: type(f"{_camel(spec.stream)}Sink", (ObjectSink,), {"spec": spec, "rank": spec.rank})
        for spec in SPECS
    }


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


__all__ = ["SPECS", "ObjectSink", "ObjectSpec", "ref_gids", "sink_classes"]
