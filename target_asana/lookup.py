"""Names to gids, once per run: workspaces, users by email, projects, sections, tags, custom fields."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from asana_client import AsanaClient
from asana_client.errors import NotFoundError
from target_asana.outcomes import Rejected
from target_asana.settings import ConfigError

Record = dict[str, Any]
T = TypeVar("T")


def is_gid(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit()


class Lookup:
    """Cached reads of what records refer to by name; each list is read once per run."""

    def __init__(self, client: AsanaClient) -> None:
        self.client = client
        self.lock = threading.RLock()
        self._cache: dict[tuple[str, ...], Any] = {}

    def cached(self, key: tuple[str, ...], load: Callable[[], T]) -> T:
        """`load()`, once per run and key."""
        with self.lock:
            if key not in self._cache:
                self._cache[key] = load()
            return cast(T, self._cache[key])

    def forget(self, *key: str) -> None:
        with self.lock:
            self._cache.pop(tuple(key), None)

    def forget_all(self, *prefix: str) -> None:
        """Forget every cached read whose key starts with `prefix`."""
        with self.lock:
            for key in [k for k in self._cache if k[: len(prefix)] == prefix]:
                del self._cache[key]

    # -- the token's user and workspaces ----------------------------------------------------------
    def me(self) -> Record:
        return self.cached(
            ("me",), lambda: self.client.get("/users/me", {"opt_fields": "name,email"})["data"]
        )

    def workspace(self, name_or_gid: str | None) -> str:
        """The gid of a workspace by gid or name; with none given, the token's only workspace."""
        workspaces: list[Record] = self.cached(
            ("workspaces",), lambda: list(self.client.paginate("/workspaces", {"opt_fields": "name"}))
        )
        if name_or_gid is None:
            if len(workspaces) == 1:
                return str(workspaces[0]["gid"])
            names = ", ".join(w["name"] for w in workspaces)
            raise ConfigError(f"the token sees several workspaces ({names}): set the `workspace` setting")
        for ws in workspaces:
            if name_or_gid in (ws["gid"], ws.get("name")):
                return str(ws["gid"])
        names = ", ".join(w["name"] for w in workspaces) or "none"
        raise ConfigError(
            f"the `workspace` setting {name_or_gid!r} is not a workspace the token sees ({names})"
        )

    # -- people -----------------------------------------------------------------------------------
    def user(self, workspace: str, email_or_gid: str) -> str:
        """A user's gid from an email, `me` or a gid."""
        if email_or_gid == "me":
            return str(self.me()["gid"])
        if is_gid(email_or_gid):
            return email_or_gid
        users: dict[str, str] = self.cached(
            ("users", workspace),
            lambda: {
                (u.get("email") or "").lower(): u["gid"]
                for u in self.client.paginate("/users", {"workspace": workspace, "opt_fields": "email"})
            },
        )
        gid = users.get(email_or_gid.lower())
        if gid is None:
            raise Rejected(f"no user with email {email_or_gid!r} in workspace {workspace}")
        return gid

    # -- containers -------------------------------------------------------------------------------
    def projects(self, workspace: str) -> dict[str, str]:
        return self.cached(
            ("projects", workspace),
            lambda: {
                p["name"]: p["gid"]
                for p in self.client.paginate(f"/workspaces/{workspace}/projects", {"opt_fields": "name"})
            },
        )

    def project(self, workspace: str, name_or_gid: str) -> str:
        if is_gid(name_or_gid):
            return name_or_gid
        gid = self.projects(workspace).get(name_or_gid)
        if gid is None:
            raise Rejected(f"no project named {name_or_gid!r} in workspace {workspace}")
        return gid

    def sections(self, project: str) -> dict[str, str]:
        return self.cached(
            ("sections", project),
            lambda: {
                s["name"]: s["gid"]
                for s in self.client.paginate(f"/projects/{project}/sections", {"opt_fields": "name"})
            },
        )

    def section(self, project: str, name_or_gid: str) -> str:
        if is_gid(name_or_gid):
            return name_or_gid
        gid = self.sections(project).get(name_or_gid)
        if gid is None:
            raise Rejected(f"no section named {name_or_gid!r} in project {project}")
        return gid

    def tag(self, workspace: str, name_or_gid: str) -> str:
        if is_gid(name_or_gid):
            return name_or_gid
        tags: dict[str, str] = self.cached(
            ("tags", workspace),
            lambda: {
                t["name"]: t["gid"]
                for t in self.client.paginate(f"/workspaces/{workspace}/tags", {"opt_fields": "name"})
            },
        )
        gid = tags.get(name_or_gid)
        if gid is None:
            raise Rejected(f"no tag named {name_or_gid!r} in workspace {workspace}")
        return gid

    # -- custom fields ----------------------------------------------------------------------------
    def custom_fields(self, workspace: str) -> dict[str, Record]:
        """The workspace's custom fields by name, with their type and enum options."""
        return self.cached(
            ("custom_fields", workspace),
            lambda: {
                cf["name"]: cf
                for cf in self.client.paginate(
                    f"/workspaces/{workspace}/custom_fields",
                    {"opt_fields": "name,type,resource_subtype,enum_options.name,enum_options.enabled"},
                )
            },
        )

    def custom_field(self, workspace: str, name: str) -> Record:
        field = self.custom_fields(workspace).get(name)
        if field is None:
            raise Rejected(f"no custom field named {name!r} in workspace {workspace}")
        return field

    def enum_option(self, field: Record, name: str) -> str:
        for option in field.get("enum_options") or ():
            if option.get("name") == name or option.get("gid") == name:
                return str(option["gid"])
        raise Rejected(f"custom field {field['name']!r} has no option named {name!r}")

    def project_fields(self, project: str) -> set[str]:
        """Gids of the custom fields set on a project."""
        return self.cached(
            ("project_fields", project),
            lambda: {
                s["custom_field"]["gid"]
                for s in self.client.paginate(
                    f"/projects/{project}/custom_field_settings", {"opt_fields": "custom_field"}
                )
            },
        )

    def exists(self, path: str) -> bool:
        try:
            self.client.get(path, {"opt_fields": "gid"})
        except NotFoundError:
            return False
        return True
