"""The target's own settings (the connection settings are `asana_client.settings`'), and a typed view."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from singer_sdk import typing as th

if TYPE_CHECKING:
    from target_asana.lookup import Lookup

CONFLICT_POLICIES = ("overwrite", "skip_if_remote_newer", "fill_empty_only")
DELETE_MODES = ("ignore", "soft", "hard")
DEFAULT_KEY_FIELD = "Sync key"
DEFAULT_REJECTS_FILE = "target-asana-rejects.jsonl"
#: Task fields a mapping can fill from a source field.
MAPPED_TASK_FIELDS = (
    "name",
    "notes",
    "html_notes",
    "due_at",
    "start_at",
    "due_on",
    "start_on",
    "assignee",
    "completed",
)


class ConfigError(Exception):
    """A setting that cannot work (a mapping naming what does not exist, a workspace the token does not
    see...): the run stops before writing, with one line naming the setting."""


MAPPING_SCHEMA = th.ObjectType(
    th.Property(
        "key", th.StringType, description="Field of the source record that identifies it (upsert key)."
    ),
    th.Property("project", th.StringType, description="Project (gid or name) the tasks belong to."),
    th.Property("section_field", th.StringType, description="Field whose value names the task's section."),
    th.Property(
        "fields",
        th.ObjectType(additional_properties=th.StringType),
        description="Asana task field -> source field (name, notes, html_notes, assignee (email or gid), "
        "due_on, due_at, start_on, completed).",
    ),
    th.Property(
        "custom_fields",
        th.ObjectType(additional_properties=th.StringType),
        description="Custom field name -> source field; enum and multi-enum values are option names.",
    ),
    th.Property(
        "completed_values",
        th.ArrayType(th.StringType),
        description="Values of the `completed` source field that mean done (e.g. closed, resolved).",
    ),
)

TARGET_PROPERTIES: tuple[th.Property, ...] = (
    th.Property(
        "workspace",
        th.StringType,
        description="Workspace (gid or name) for records that name none (default: the token's only one).",
    ),
    th.Property(
        "key_custom_field",
        th.StringType,
        default=DEFAULT_KEY_FIELD,
        description="With a Personal Access Token, the text custom field that holds each record's upsert "
        "key (created in the workspace and added to the project when missing). With OAuth, `external.gid`.",
    ),
    th.Property(
        "key_properties",
        th.ObjectType(additional_properties=th.ArrayType(th.StringType)),
        description="Per stream, the fields that identify a record without a gid (default: the stream's key "
        "properties).",
    ),
    th.Property(
        "mappings",
        th.ObjectType(additional_properties=MAPPING_SCHEMA),
        description="Streams from other systems (a CSV, a CRM...) written as tasks: stream name -> mapping.",
    ),
    th.Property(
        "deletes",
        th.StringType,
        default="ignore",
        allowed_values=list(DELETE_MODES),
        description="Records with `_sdc_deleted_at`: ignore them, soft-delete (complete a task, archive a "
        "project) or hard-delete.",
    ),
    th.Property(
        "conflict_policy",
        th.StringType,
        default="overwrite",
        allowed_values=list(CONFLICT_POLICIES),
        description="When Asana changed the object after the record's `modified_at`: overwrite, skip the "
        "record, or fill only the fields that are empty in Asana.",
    ),
    th.Property("dry_run", th.BooleanType, default=False, description="Resolve and report; write nothing."),
    th.Property(
        "rejects_file",
        th.StringType,
        default=DEFAULT_REJECTS_FILE,
        description="JSON lines file of rejected records, each with its reason (mode 0600).",
    ),
    th.Property(
        "fail_on_rejects",
        th.BooleanType,
        default=False,
        description="End with a non-zero exit when any record was rejected (after writing all the others).",
    ),
    th.Property(
        "use_batch_api",
        th.BooleanType,
        default=True,
        description="Send independent writes through Asana's Batch API, 10 actions a call.",
    ),
)


@dataclass(frozen=True)
class TaskMapping:
    """How records of a foreign stream become tasks."""

    key: str | None
    project: str | None
    section_field: str | None
    fields: dict[str, str]
    custom_fields: dict[str, str]
    completed_values: tuple[str, ...]

    def check(self, stream: str, lookup: Lookup, workspace: str, *, oauth: bool) -> None:
        """What the mapping names exists: its project, and its custom fields on that project. Checked
        once, before any write: a wrong name would otherwise reject every record of the stream."""
        where = f"mappings.{stream}"
        project = None
        if self.project is None and not oauth:
            raise ConfigError(
                f"{where}.project is required with a Personal Access Token (the project's tasks hold the "
                "upsert keys); set it, or use OAuth so that each task's external id holds its key"
            )
        if self.project is not None:
            project = lookup.projects(workspace).get(self.project)
            if project is None and self.project.isdigit() and lookup.exists(f"/projects/{self.project}"):
                project = self.project
            if project is None:
                raise ConfigError(f"{where}.project: no project {self.project!r} in workspace {workspace}")
        for name in self.custom_fields:
            field = lookup.custom_fields(workspace).get(name)
            if field is None:
                raise ConfigError(
                    f"{where}.custom_fields: no custom field named {name!r} in workspace {workspace}"
                )
            if project is not None and field["gid"] not in lookup.project_fields(project):
                raise ConfigError(
                    f"{where}.custom_fields: {name!r} is not a field of project {self.project!r}"
                )

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], stream: str = "<stream>") -> TaskMapping:
        unknown = [name for name in raw.get("fields") or {} if name not in MAPPED_TASK_FIELDS]
        if unknown:
            raise ConfigError(
                f"mappings.{stream}.fields: {', '.join(map(repr, unknown))} "
                f"{'is not a task field' if len(unknown) == 1 else 'are not task fields'} the target "
                f"writes; use {', '.join(MAPPED_TASK_FIELDS)}"
            )
        return cls(
            key=raw.get("key"),
            project=raw.get("project"),
            section_field=raw.get("section_field"),
            fields=dict(raw.get("fields") or {}),
            custom_fields=dict(raw.get("custom_fields") or {}),
            completed_values=tuple(str(v).lower() for v in raw.get("completed_values") or ()),
        )


@dataclass(frozen=True)
class TargetSettings:
    """The target settings, defaults applied."""

    workspace: str | None = None
    key_custom_field: str = DEFAULT_KEY_FIELD
    key_properties: dict[str, list[str]] = field(default_factory=dict)
    mappings: dict[str, TaskMapping] = field(default_factory=dict)
    deletes: str = "ignore"
    conflict_policy: str = "overwrite"
    dry_run: bool = False
    rejects_file: Path = Path(DEFAULT_REJECTS_FILE)
    fail_on_rejects: bool = False
    use_batch_api: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TargetSettings:
        return cls(
            workspace=config.get("workspace"),
            key_custom_field=config.get("key_custom_field") or DEFAULT_KEY_FIELD,
            key_properties={k: list(v) for k, v in (config.get("key_properties") or {}).items()},
            mappings={k: TaskMapping.from_config(v, k) for k, v in (config.get("mappings") or {}).items()},
            deletes=config.get("deletes") or "ignore",
            conflict_policy=config.get("conflict_policy") or "overwrite",
            dry_run=bool(config.get("dry_run", False)),
            rejects_file=Path(os.path.expanduser(config.get("rejects_file") or DEFAULT_REJECTS_FILE)),
            fail_on_rejects=bool(config.get("fail_on_rejects", False)),
            use_batch_api=bool(config.get("use_batch_api", True)),
        )
