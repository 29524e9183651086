"""Every stream of the tap, built from the per-domain tables."""

from __future__ import annotations

from tap_asana.streams import admin, goals, portfolios, projects, tasks, time_tracking, workspace
from tap_asana.streams.declarative import StreamSpec, TableStream, build_stream_classes

SPECS: list[StreamSpec] = [
    *workspace.SPECS,
    *projects.SPECS,
    *tasks.SPECS,
    *time_tracking.SPECS,
    *goals.SPECS,
    *portfolios.SPECS,
    *admin.SPECS,
]
STREAM_TYPES: list[type[TableStream]] = build_stream_classes(SPECS)

__all__ = ["SPECS", "STREAM_TYPES"]
