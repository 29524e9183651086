"""Memberships of a project: the legacy project_membership and the membership of each member."""

from __future__ import annotations

from .builder import Builder, Record, ref


def of_project(b: Builder, project: Record, members: list[Record]) -> None:
    """Each member's project_membership and membership; the first member (the owner) is the admin."""
    for k, user in enumerate(members):
        level = "admin" if k == 0 else b.pick(("editor", "editor", "commenter", "viewer"))
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "project_membership",
                "parent": ref(project),
                "member": ref(user),
                "access_level": level,
                "user": ref(user),
                "project": ref(project),
                "write_access": "comment_only" if level in ("commenter", "viewer") else "full_write",
            }
        )
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "membership",
                "resource_subtype": "project_membership",
                "member": ref(user),
                "parent": ref(project),
                "role": level,
                "access_level": level,
                "goal": None,
                "user": ref(user),
                "workspace": dict(project["workspace"]),
            }
        )
