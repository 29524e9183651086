"""Streams the workspace's plan (or the token) cannot read: counted during the run, reported once at its end.

On a free workspace every premium stream answers 402 in every partition: `time_tracking_entries` once per
task, `access_requests` once per project. A warning each would bury the log; instead the first refusal of a
stream is noted at INFO, the rest at DEBUG, and the end of the run carries one summary (stream, plan
needed, how often) with the `meltano select` commands that deselect the streams nothing could read.

A deselected stream is still listed when a selected stream is read through it (goal stories and
memberships through `goals`, the SDK's and the tap's rule), so its refusals are expected: they get one INFO
line, not the warning, and the suggestion is not repeated run after run.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: What each `tier` of a stream needs, in Asana's words (Premium was renamed Starter, Business Advanced).
PLAN_NEEDED = {
    "free": "any plan",
    "premium": "a paid plan (Starter/Premium or above)",
    "enterprise": "an Enterprise plan",
    "service_account": "a Service Account token of an Enterprise+ plan",
}
EXTRACTOR = "tap-asana"


@dataclass
class Refusal:
    """How often one stream was refused, and where."""

    tier: str
    #: Whether the stream's records were wanted (else it was only walked for its children).
    selected: bool = True
    statuses: Counter[int] = field(default_factory=Counter)
    workspaces: set[str] = field(default_factory=set)

    @property
    def partitions(self) -> int:
        return sum(self.statuses.values())


class PlanGates:
    """Per-stream tally of partitions Asana refused with 402/403, and of streams that read at least a page.

    Shared by every stream of a tap run; task children report from worker threads, hence the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refused: dict[str, Refusal] = {}
        self._read: Counter[str] = Counter()
        #: Every stream selected (as by default): an exclude alone would then select nothing.
        self.default_selection = False

    def refused(
        self,
        stream: str,
        *,
        tier: str,
        status: int,
        partition: Mapping[str, Any] | None,
        logger: logging.Logger,
        selected: bool = True,
    ) -> None:
        """Count one refused partition; only the stream's first refusal is logged above DEBUG."""
        with self._lock:
            first = stream not in self._refused
            refusal = self._refused.setdefault(stream, Refusal(tier, selected))
            refusal.statuses[status] += 1
            if partition and partition.get("workspace_gid"):
                refusal.workspaces.add(str(partition["workspace_gid"]))
        where = ", ".join(f"{k}={v}" for k, v in sorted((partition or {}).items())) or "(no partition)"
        logger.log(
            logging.INFO if first else logging.DEBUG,
            "Skipping stream '%s' %s: Asana answered %s (needs %s, or no access)%s",
            stream,
            where,
            status,
            PLAN_NEEDED.get(tier, tier),
            "; further refusals of this stream are counted for the summary at the end of the run"
            if first
            else "",
        )

    def read(self, stream: str) -> None:
        """Note that one page of `stream` was read (the stream is not refused everywhere)."""
        with self._lock:
            self._read[stream] += 1

    def summary(self) -> str | None:
        """The end-of-run report on the selected streams, or None when none was refused."""
        with self._lock:
            refused = {name: r for name, r in self._refused.items() if r.selected}
            read = Counter(self._read)
        if not refused:
            return None
        lines = [
            f"{len(refused)} stream(s) could not be read where the workspace's plan or the token's access "
            "does not reach; the run read everything else:"
        ]
        unreadable = []
        for name in sorted(refused):
            refusal = refused[name]
            answers = " and ".join(
                f"{status} in {n} partition(s)" for status, n in sorted(refusal.statuses.items())
            )
            where = f" of {len(refusal.workspaces)} workspace(s)" if refusal.workspaces else ""
            needs = PLAN_NEEDED.get(refusal.tier, refusal.tier)
            line = f"  {name}: needs {needs}; Asana answered {answers}{where}"
            if read[name]:
                line += f"; read elsewhere ({read[name]} page(s)), so keep it selected"
            else:
                unreadable.append(name)
            lines.append(line)
        if unreadable:
            # With no select rule yet, Meltano selects `*.*`; an exclude alone would then select nothing.
            commands = [f"meltano select {EXTRACTOR} '*'"] if self.default_selection else []
            commands += [f"meltano select {EXTRACTOR} --exclude {name}" for name in unreadable]
            lines.append("To deselect what this token cannot read: " + " && ".join(commands))
        return "\n".join(lines)

    def walked_only(self) -> str | None:
        """One line on deselected streams that were refused while listed for their children, or None."""
        with self._lock:
            names = sorted(name for name, r in self._refused.items() if not r.selected)
        if not names:
            return None
        return (
            f"Deselected stream(s) {', '.join(names)} were listed for the selected streams read through them "
            "and refused (the plan does not reach them): what is read through them is missing"
        )

    def report(self, logger: logging.Logger) -> None:
        """Log the summary once, as one WARNING, if a selected stream was refused."""
        if (text := self.summary()) is not None:
            logger.warning("%s", text)
        if (note := self.walked_only()) is not None:
            logger.info("%s", note)
