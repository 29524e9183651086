"""Upsert keys that live in Asana itself, so a re-run on a fresh machine finds what an earlier run created.

With an OAuth token a task's key is its `external.gid` (`GET /tasks/external:<key>` finds it). With a
Personal Access Token, which cannot read or write `external`, the key is the value of a text custom field
(`key_custom_field`, created when missing) on the task's project; the project's tasks are indexed by it once
per run. Either way the key is written in the same request that creates the task, so a crash between a
create and its answer leaves a task that the next run finds instead of duplicating.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

from asana_client.errors import AccessDeniedError, NotFoundError
from target_asana.outcomes import Rejected
from target_asana.run import WriteRun
from target_asana.task_state import TASK_FIELDS

Record = dict[str, Any]


class TaskKeys:
    """Finds tasks by upsert key and says how a new task carries its key."""

    def __init__(self, run: WriteRun) -> None:
        self.run = run
        self.lock = threading.RLock()
        self._field: dict[str, str | None] = {}  # workspace -> gid of the key field
        self._index: dict[str, dict[str, Record]] = {}  # project -> key -> task
        self._on_project: set[str] = set()

    @property
    def external(self) -> bool:
        return self.run.oauth

    # -- reading ----------------------------------------------------------------------------------
    def find(self, key: str, workspace: str, project: str | None) -> Record | None:
        """The task holding `key`, with the fields the target compares, or None."""
        if self.external:
            try:
                found: Record = self.run.client.get(
                    f"/tasks/external:{quote(key, safe='')}", {"opt_fields": _fields()}
                )["data"]
            except NotFoundError:
                return None
            return found
        if project is None:
            raise Rejected(
                "with a Personal Access Token a record without a gid needs a project to hold its key "
                "(set mappings.<stream>.project), or use OAuth so that `external.gid` holds it"
            )
        return self.index(workspace, project).get(key)

    def index(self, workspace: str, project: str) -> dict[str, Record]:
        """The project's tasks by key (read once per run, kept current as tasks are created)."""
        with self.lock:
            if project in self._index:
                return self._index[project]
            field = self.field(workspace, create=False)
            found: dict[str, Record] = {}
            if field is not None:
                for task in self.run.client.paginate(f"/projects/{project}/tasks", {"opt_fields": _fields()}):
                    value = _field_text(task, field)
                    if value:
                        found[value] = task
            self._index[project] = found
            return found

    def remember(self, key: str, project: str | None, task: Record) -> None:
        if project is not None:
            with self.lock:
                self._index.setdefault(project, {})[key] = task

    # -- writing ----------------------------------------------------------------------------------
    def stamp(self, body: Record, key: str, workspace: str, project: str | None) -> None:
        """Put the key into the `POST /tasks` body that creates the task."""
        if self.external:
            body["external"] = {"gid": key}
            return
        field = self.field(workspace, create=True)
        if field is None or project is None:
            return  # dry run: the field would be created
        self.ensure_on_project(field, project)
        body.setdefault("custom_fields", {})[field] = key

    def field(self, workspace: str, *, create: bool) -> str | None:
        """The gid of the key custom field in the workspace, created when missing (not in a dry run)."""
        name = self.run.settings.key_custom_field
        with self.lock:
            if self._field.get(workspace):
                return self._field[workspace]
            existing = self.run.lookup.custom_fields(workspace).get(name)
            gid = existing["gid"] if existing else None
            if gid is None and create and not self.run.dry_run:
                try:
                    created = self.run.client.post(
                        "/custom_fields",
                        {"data": {"workspace": workspace, "name": name, "resource_subtype": "text"}},
                    )["data"]
                except AccessDeniedError as exc:
                    raise Rejected(f"cannot create the key custom field {name!r}: {exc}") from None
                gid = created["gid"]
                self.run.lookup.forget("custom_fields", workspace)
                self.run.logger.info(
                    "Created the text custom field %r (gid %s) to hold upsert keys", name, gid
                )
            self._field[workspace] = gid
            return gid

    def ensure_on_project(self, field: str, project: str) -> None:
        with self.lock:
            if project in self._on_project:
                return
            if field not in self.run.lookup.project_fields(project) and not self.run.dry_run:
                self.run.client.post(
                    f"/projects/{project}/addCustomFieldSetting", {"data": {"custom_field": field}}
                )
                self.run.lookup.forget("project_fields", project)
            self._on_project.add(project)


def _fields() -> str:
    return ",".join((*TASK_FIELDS, "external", "custom_fields.display_value"))


def _field_text(task: Record, field: str) -> str | None:
    for entry in task.get("custom_fields") or ():
        if entry.get("gid") == field:
            value = entry.get("text_value") or entry.get("display_value")
            return str(value) if value else None
    return None
