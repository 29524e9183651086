"""Change a share of the sandbox's tasks the way people do, following Asana's `modified_at` rules.

What moves `modified_at` (OAS TaskResponse.modified_at): edits to the task's own fields and every new story on
it, system stories included (an attachment writes one). What does not: moving the task, in any direction
(project to project, out of every project into its assignee's My Tasks, from no project into one, a project
added or removed beside others), or adding a subtask (the subtask is a new task of its own, assigned or not,
under a task in a project or in none, at any depth). Deleted tasks leave the store, their subtasks with them
(404 afterwards).
Every change goes through the task and story models (`models/tasks.py`, `models/stories.py`), the functions
the write routes call, so a mutation writes the same records, stories and events as the API would.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, cast

from .datasets.builder import Builder
from .datasets.tasks import task_name
from .models import attachments, custom_fields, stories, tasks
from .models.changes import Changes
from .models.records import VALUE_KEY, ref, rich_text
from .store import Record, Store, utcnow_iso

# Relative weights of what a person does to a task picked for change.
_ACTIONS = (
    ("edit", 33),
    ("comment", 23),
    ("move", 12),
    ("subtask", 10),
    ("create", 10),
    ("delete", 8),
    ("attach", 4),
)
_COMMENTS = (
    "Following up on this.",
    "Moved the meeting, see the invite.",
    "Looks good, shipping it.",
    "Can someone take a second look?",
    "Updated per the review.",
)
_EDITABLE_TYPES = ("text", "number", "enum", "multi_enum", "date", "people")  # what `_new_value` draws
_RETRIES = 10  # draws of a new value that must differ from the old one


class _Mutation:
    """One run of `mutate`: people, subtasks and what hangs on tasks indexed once (`Store.related` rebuilds
    its index after every write); every change is made through the task models."""

    def __init__(self, store: Store, rng: random.Random, now: str) -> None:
        self.store, self.rng, self.now = store, rng, now
        self.children: dict[str, list[str]] = defaultdict(list)
        for task in store.all("task"):
            if task.get("parent"):
                self.children[task["parent"]["gid"]].append(task["gid"])
        self.hangers_on: dict[str, list[str]] = defaultdict(list)  # task gid -> stories, attachments, entries
        for rtype, key in (("story", "target"), ("attachment", "parent"), ("time_tracking_entry", "task")):
            for record in store.all(rtype):
                target = record.get(key)
                if target and target.get("resource_type") == "task":
                    self.hangers_on[target["gid"]].append(record["gid"])
        self.users: dict[str, list[Record]] = defaultdict(list)
        for user in store.all("user"):
            for ws in user.get("workspaces") or ():
                self.users[ws["gid"]].append(user)
        self.result: dict[str, Any] = {
            k: []
            for k in (
                "edited",
                "commented",
                "created",
                "created_subtasks",
                "deleted",
                "moved",
                "attached",
                "changed_tasks",
                "new_stories",
            )
        }

    # -- helpers --------------------------------------------------------------------------------------
    def actor(self, task: Record) -> Record:
        people = self.users.get(task["workspace"]["gid"]) or self.store.all("user")
        return self.rng.choice(people)

    def changes(self, actor: Record) -> Changes:
        return Changes(self.store, actor, self.now)

    def changed(self, task: Record) -> None:
        if task["gid"] not in self.result["changed_tasks"]:
            self.result["changed_tasks"].append(task["gid"])

    # -- actions --------------------------------------------------------------------------------------
    def edit(self, task: Record) -> None:
        actor = self.actor(task)
        fields = ["name", "notes", "completed", "due_on", "assignee"]
        if self.editable_values(task):
            fields.append("custom_fields")
        field = self.rng.choice(fields)
        updates = getattr(self, f"_edit_{field}")(task, actor)
        tasks.apply_fields(self.changes(actor), task, updates)
        self.changed(task)
        self.result["edited"].append(task["gid"])

    def _differs(self, old: Any, draw: Any) -> Any:
        """A new value from `draw()` that differs from `old` (an edit that changes nothing is no edit)."""
        value = draw()
        for _ in range(_RETRIES):
            if value != old:
                break
            value = draw()
        return value

    def _edit_name(self, task: Record, actor: Record) -> Record:
        return {"name": self._differs(task["name"], lambda: task_name(cast(Builder, _RngBuilder(self.rng))))}

    def _edit_notes(self, task: Record, actor: Record) -> Record:
        notes = f"{task.get('notes') or task['name']}\nUpdate: {self.rng.choice(_COMMENTS)}".strip()
        text, html = rich_text(notes, None)
        return {"notes": text, "html_notes": html}

    def _edit_completed(self, task: Record, actor: Record) -> Record:
        done = not task["completed"]
        return {
            "completed": done,
            "completed_at": self.now if done else None,
            "completed_by": ref(actor) if done else None,
        }

    def _edit_due_on(self, task: Record, actor: Record) -> Record:
        today = date.fromisoformat(self.now[:10])
        due = self._differs(
            task.get("due_on"), lambda: (today + timedelta(days=self.rng.randint(1, 45))).isoformat()
        )
        return {"due_on": due, "due_at": None}

    def _edit_assignee(self, task: Record, actor: Record) -> Record:
        current = (task.get("assignee") or {}).get("gid")
        assignee = self._differs(current, lambda: self.actor(task)["gid"])
        user = self.store.get(assignee, "user")
        assert user is not None
        return {"assignee": ref(user)}

    def editable_values(self, task: Record) -> list[int]:
        """Indexes of the task's custom field values a person sets (not custom IDs, formulas, references)."""
        fields = (self.store.get(e["gid"], "custom_field") or {} for e in task.get("custom_fields") or ())
        return [
            k
            for k, cf in enumerate(fields)
            if cf.get("type") in _EDITABLE_TYPES
            and not cf.get("is_value_read_only")
            and not cf.get("is_formula_field")
        ]

    def _edit_custom_fields(self, task: Record, actor: Record) -> Record:
        entries = [dict(e) for e in task["custom_fields"]]
        editable = self.editable_values(task)
        entry = entries[editable[self.rng.randrange(len(editable))]]
        key = VALUE_KEY.get(entry["type"], "text_value")
        entry[key] = self._differs(entry.get(key), lambda: _new_value(self.rng, entry, self.store))
        entry["display_value"] = custom_fields.display_value(
            entry, self.store.get(entry["gid"], "custom_field")
        )
        return {"custom_fields": entries}

    def comment(self, task: Record) -> None:
        actor = self.actor(task)
        stories.add(self.changes(actor), task, "comment_added", self.rng.choice(_COMMENTS))
        self.changed(task)
        self.result["commented"].append(task["gid"])

    def move(self, task: Record) -> bool:
        """Move the task, in a direction drawn among those it allows; modified_at stays as it was.

        A task in projects goes to another project, leaves them all for its assignee's My Tasks (only an
        assigned one: an unassigned task in no project is in no list), gets one more project, or loses one
        of several. A top-level task in no project is added to one. A subtask does not move (False).
        """
        if task.get("parent"):
            return False
        current = {p["gid"] for p in task["projects"]}
        targets = [
            p
            for p in self.store.related("project", "workspace", task["workspace"]["gid"])
            if not p.get("archived") and p["gid"] not in current
        ]
        sections_of = {p["gid"]: self.store.related("section", "project", p["gid"]) for p in targets}
        targets = [p for p in targets if sections_of[p["gid"]]]
        olds = [p for p in (self.store.get(g["gid"], "project") for g in task["projects"]) if p is not None]
        changes = self.changes(self.actor(task))
        draw = self.rng.random()
        if olds and task.get("assignee") and draw < 0.15:  # project -> none
            for old in olds:
                tasks.remove_project(changes, task, old)
        elif len(olds) > 1 and draw < 0.5:  # one of several homes removed
            tasks.remove_project(changes, task, self.rng.choice(olds))
        elif not targets:
            return False
        else:
            new = self.rng.choice(targets)
            section = self.rng.choice(sections_of[new["gid"]])
            if olds and draw < 0.8:  # project -> project (none -> project when it had none)
                tasks.remove_project(changes, task, olds[0])
            tasks.add_project(changes, task, new, section)  # or one more home
        self.result["moved"].append(task["gid"])
        return True

    def attach(self, task: Record) -> None:
        """A link attached to the task (Asana writes an `attachment_added` story, which moves modified_at)."""
        url = f"https://example.com/files/{self.rng.randrange(10**6)}"
        name = f"Spec {self.rng.randint(1, 99)}.pdf"
        record = attachments.link(self.changes(self.actor(task)), task, name, url, connect_to_app=False)
        self.hangers_on[task["gid"]].append(record["gid"])
        self.changed(task)
        self.result["attached"].append(record["gid"])

    def create(self, anchor: Record, as_subtask: bool) -> None:
        """A new task beside `anchor` (same projects and sections) or, as a subtask, under it."""
        actor = self.actor(anchor)
        homes = [] if as_subtask else tasks.homes(self.store, anchor)
        # A subtask is assigned or not (an unassigned one under a task in no project is in no listing); a task
        # in no project is someone's.
        assigned = self.rng.random() < 0.5 if as_subtask else not homes
        assignee = self.actor(anchor) if assigned else None
        workspace = self.store.get(anchor["workspace"]["gid"], "workspace") or anchor["workspace"]
        task = tasks.create_task(
            self.changes(actor),
            workspace,
            name=task_name(cast(Builder, _RngBuilder(self.rng))),
            parent=anchor if as_subtask else None,
            homes=homes,
            assignee=assignee,
        )
        if as_subtask:
            self.children[anchor["gid"]].append(task["gid"])
        self.result["created_subtasks" if as_subtask else "created"].append(task["gid"])
        self.result["changed_tasks"].append(task["gid"])

    def delete(self, task: Record) -> None:
        """Delete the task, its subtasks and what hangs on them; Asana answers 404 for them afterwards."""
        actor = self.actor(task)
        doomed = self.subtree(task)
        gone = {r["gid"] for r in doomed}
        hangers = [g for gid in gone for g in self.hangers_on.pop(gid, ())]
        # Stories written earlier in this run hang on the tasks too.
        hangers += [g for g in self.result["new_stories"] if _target(self.store, g) in gone]
        tasks.delete_task(self.changes(actor), task, doomed, hangers)
        parent_ref = task.get("parent")
        if parent_ref:
            self.children[parent_ref["gid"]] = [
                g for g in self.children[parent_ref["gid"]] if g != task["gid"]
            ]
        for record in doomed:
            self.children.pop(record["gid"], None)
        for gid in (r["gid"] for r in doomed):
            for key in ("changed_tasks", "edited", "commented", "moved", "created", "created_subtasks"):
                if gid in self.result[key]:
                    self.result[key].remove(gid)
        self.result["deleted"].extend(r["gid"] for r in doomed)

    def subtree(self, task: Record) -> list[Record]:
        """The task and its subtasks below it, children before their parents."""
        out: list[Record] = []
        stack: list[tuple[str, bool]] = [(task["gid"], False)]
        while stack:
            gid, expanded = stack.pop()
            record = self.store.get(gid, "task")
            if record is None:
                continue
            if expanded:
                out.append(record)
                continue
            stack.append((gid, True))
            stack.extend((child, False) for child in reversed(self.children.get(gid, ())))
        return out


def _target(store: Store, story_gid: str) -> str | None:
    story = store.get(story_gid, "story")
    return story["target"]["gid"] if story else None


class _RngBuilder:
    """Just enough of the dataset Builder for `task_name`, driven by the mutation's rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, seq: Any) -> Any:
        return seq[self.rng.randrange(len(seq))]


def _new_value(rng: random.Random, entry: Record, store: Store) -> Any:
    """A random value for a task's custom field entry, of the field's type."""
    kind = entry["type"]
    options = (store.get(entry["gid"], "custom_field") or {}).get("enum_options") or []
    if kind == "number":
        return rng.randint(1, 500)
    if kind == "enum" and options:
        return dict(rng.choice(options))
    if kind == "multi_enum" and options:
        return [dict(o) for o in rng.sample(options, min(2, len(options)))]
    if kind == "date":
        return {"date": f"2026-{rng.randint(7, 12):02d}-{rng.randint(1, 28):02d}"}
    if kind == "people":
        return [ref(rng.choice(store.all("user")))]
    return f"Updated {rng.randint(100, 999)}"


def mutate(store: Store, fraction: float, rng: random.Random, now: str | None = None) -> dict[str, Any]:
    """Change about `fraction` of the tasks (edit, comment, move, add subtasks or tasks, attach, delete).

    Returns the gids touched per kind of change, `changed_tasks` (every task, new ones included, whose
    modified_at is now `now`) and `new_stories`. Deterministic for a given store state, rng and `now`.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    now = now or utcnow_iso()
    with store.lock:
        run = _Mutation(store, rng, now)
        candidates = store.all("task")
        count = min(len(candidates), max(1, round(len(candidates) * fraction)))
        picked = sorted(rng.sample(range(len(candidates)), count))
        actions = [a for a, _ in _ACTIONS]
        weights = [w for _, w in _ACTIONS]
        for index in picked:
            task = store.get(candidates[index]["gid"], "task")
            if task is None:  # deleted earlier in this run, as a subtask of a deleted task
                continue
            action = rng.choices(actions, weights)[0]
            if action == "delete":
                run.delete(task)
                continue
            known = len(store.by_type["story"])  # stories are only added until the next delete
            if action == "move" and run.move(task):
                pass
            elif action in ("edit", "move"):
                run.edit(task)
            elif action == "comment":
                run.comment(task)
            elif action == "attach":
                run.attach(task)
            else:
                run.create(task, as_subtask=action == "subtask")
            run.result["new_stories"].extend(store.by_type["story"][known:])
        # Stories added earlier in the run may have gone with a task deleted later in it.
        run.result["new_stories"] = [g for g in run.result["new_stories"] if g in store.objects]
        return {"fraction": fraction, **run.result}
