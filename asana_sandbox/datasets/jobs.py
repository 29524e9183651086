"""Jobs left by earlier asynchronous actions (duplicates, template instantiation)."""

from __future__ import annotations

from .builder import Builder, Record, ref
from .workspaces import Space


def jobs(b: Builder, space: Space) -> None:
    """Jobs left by earlier actions: a project and a task duplicated, and a template being instantiated."""
    projects = [p for p in space.projects if not p["archived"]]
    if not projects or not space.tasks:
        return
    results: list[tuple[str, str, Record]] = [
        ("duplicate_project", "succeeded", {"new_project": ref(b.pick(projects))}),
        ("duplicate_task", "succeeded", {"new_task": ref(b.pick(space.tasks))}),
        ("instantiate_project_template", "in_progress", {"new_project": ref(b.pick(projects))}),
    ]
    outputs = ("new_portfolio", "new_project", "new_task", "new_project_template")
    for subtype, status, result in results:
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "job",
                "resource_subtype": subtype,
                "status": status,
                **{key: result.get(key) for key in outputs},
                "new_graph_export": None,
                "new_resource_export": None,
                "_workspace": space.workspace["gid"],
            }
        )
