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
from target_asana.calls import create_once
from target_asana.outcomes import Rejected
from target_asana.run import WriteRun
from target_asana.settings import ConfigError
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
        #: (project, key) of indexed tasks written since they were read: read again when next found.
        self._stale: set[tuple[str, str]] = set()

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
        task = self.index(workspace, project).get(key)
        with self.lock:
            if task is None or (project, key) not in self._stale:
                return task
        fresh: Record = self.run.client.get(f"/tasks/{task['gid']}", {"opt_fields": _fields()})["data"]
        with self.lock:
            self._index.setdefault(project, {})[key] = fresh
            self._stale.discard((project, key))
        return fresh

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

    def refresh(self, projects: set[str | None]) -> None:
        """Read these projects' keys again at the next `find` (after creates whose answers were lost)."""
        with self.lock:
            for project in projects:
                self._index.pop(project or "", None)
            self._stale = {(p, k) for p, k in self._stale if p not in projects}

    def written(self, key: str, project: str | None) -> None:
        """The task of `key` was just written: what the index holds of it is out of date."""
        if project is not None:
            with self.lock:
                self._stale.add((project, key))

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
                body = {"data": {"workspace": workspace, "name": name, "resource_subtype": "text"}}

                def existing_field() -> str | None:
                    self.run.lookup.forget("custom_fields", workspace)
                    field = self.run.lookup.custom_fields(workspace).get(name)
                    return str(field["gid"]) if field else None

                try:
                    gid = create_once(
                        self.run.client,
                        lambda: str(self.run.client.post("/custom_fields", body)["data"]["gid"]),
                        existing_field,
                        f"creating the key custom field {name!r}",
                    )
                except AccessDeniedError as exc:
                    # Every record would be rejected for it: a settings matter, stop before writing.
                    raise ConfigError(
                        f"cannot create the key custom field {name!r} ({exc}): create a text custom field "
                        "of that name in the workspace, or name one in `key_custom_field`"
                    ) from None
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

                def on_project() -> bool | None:
                    self.run.lookup.forget("project_fields", project)
                    return True if field in self.run.lookup.project_fields(project) else None

                create_once(
                    self.run.client,
                    lambda: bool(
                        self.run.client.post(
                            f"/projects/{project}/addCustomFieldSetting", {"data": {"custom_field": field}}
                        )
                    ),
                    on_project,
                    f"adding the key custom field to project {project}",
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
