"""The sink every stream's writer builds on: validation into the rejects file, parents first, outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks import BatchSink

from target_asana.outcomes import Rejected

if TYPE_CHECKING:
    from target_asana.run import WriteRun
    from target_asana.target import TargetAsana

Record = dict[str, Any]
_REJECTED = "__target_asana_rejected__"


class AsanaSink(BatchSink):
    """Buffers a stream's records and writes them in `write`, parents' streams first.

    A record that fails its schema or lacks its key is written to the rejects file with the reason
    instead of stopping the run; records Asana refuses (400/403/404) go the same way.
    """

    #: Streams of lower rank are written first (project -> section -> task -> story).
    rank: ClassVar[int] = 50
    MAX_SIZE_DEFAULT = 1000

    def __init__(
        self, target: TargetAsana, stream_name: str, schema: dict, key_properties: Sequence[str] | None
    ):
        super().__init__(target, stream_name, schema, key_properties)
        self.target = target
        self.run: WriteRun = target.run
        self.run.register(self)

    # -- validation: reject, do not stop ----------------------------------------------------------
    def _remove_sdc_metadata_from_record(self, record: Record) -> None:
        # The SDK drops every `_sdc_` field; `_sdc_deleted_at` is how a tap says the object was deleted.
        deleted_at = record.get("_sdc_deleted_at")
        super()._remove_sdc_metadata_from_record(record)
        if deleted_at is not None:
            record["_sdc_deleted_at"] = deleted_at

    def _validate_and_parse(self, record: Record) -> Record:
        # Asana takes timestamps as the strings the records carry: no parsing into datetime objects.
        if self._validator is not None:
            try:
                self._validator.validate(record)
            except InvalidRecord as exc:
                record[_REJECTED] = f"does not match the stream's schema: {_first_line(exc)}"
        return record

    def _singer_validate_message(self, record: Record) -> None:
        if _REJECTED not in record and any(k not in record for k in self._key_properties):
            missing = ", ".join(k for k in self._key_properties if k not in record)
            record[_REJECTED] = f"missing key properties: {missing}"

    def process_record(self, record: Record, context: dict) -> None:
        reason = record.pop(_REJECTED, None)
        if reason is not None:
            self.reject(record, reason)
            return
        super().process_record(record, context)

    # -- writing ----------------------------------------------------------------------------------
    def process_batch(self, context: dict) -> None:
        for parent_sink in self.run.sinks_before(self):
            self.target.drain_one(parent_sink)
        records: list[Record] = context.get("records") or []
        if records:
            self.write(records)

    def write(self, records: list[Record]) -> None:
        """Create, update, delete or skip each record; count each outcome."""
        raise NotImplementedError

    # -- outcomes ---------------------------------------------------------------------------------
    def outcome(self, outcome: str, n: int = 1) -> None:
        self.run.summary.count(self.stream_name, outcome, n)

    def reject(self, record: Record, reason: str) -> None:
        self.run.rejects.write(self.stream_name, record, reason)
        self.outcome("rejected")
        self.logger.warning("Rejected a record of '%s': %s", self.stream_name, reason)


class ReadOnlySink(AsanaSink):
    """A stream Asana lets no one write (workspaces, users, audit log events...): accepted and skipped."""

    reason: ClassVar[str] = "Asana does not let clients write these objects"

    def __init__(
        self, target: TargetAsana, stream_name: str, schema: dict, key_properties: Sequence[str] | None
    ):
        super().__init__(target, stream_name, schema, key_properties)
        self.run.summary.ignore_stream(stream_name, self.reason)

    def _validate_and_parse(self, record: Record) -> Record:
        return record

    def _singer_validate_message(self, record: Record) -> None:
        return None

    def process_record(self, record: Record, context: dict) -> None:
        self.outcome("skipped")

    def process_batch(self, context: dict) -> None:
        return None

    def write(self, records: list[Record]) -> None:
        return None


def _first_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    text = getattr(cause, "message", None) or str(cause)
    return text.splitlines()[0][:300] if text else type(cause).__name__


def ref_gid(value: Any) -> str | None:
    """The gid of a reference field: `{"gid": ...}`, a gid string, or None."""
    if isinstance(value, dict):
        gid = value.get("gid")
        return str(gid) if gid is not None else None
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).isdigit():
        return str(value)
    return None


def ref_gids(value: Any) -> list[str] | None:
    """The gids of a list of references, or None when the field is absent."""
    if value is None:
        return None
    return [g for g in (ref_gid(v) for v in value) if g]


__all__ = ["AsanaSink", "ReadOnlySink", "Record", "Rejected", "ref_gid", "ref_gids"]
