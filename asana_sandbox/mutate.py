"""Change a share of the sandbox's tasks the way people do, following Asana's `modified_at` rules.

What moves `modified_at` (OAS TaskResponse.modified_at): edits to the task's own fields and every new story on
it, system stories included. What does not: moving the task to another project, or adding a subtask (the
subtask is a new task of its own). Deleted tasks leave the store, their subtasks with them (404 afterwards).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from .datasets.activity import due_text, story
from .datasets.work import task_name
from .store import Record, Store, utcnow_iso

# Relative weights of what a person does to a task picked for change.
_ACTIONS = (("edit", 35), ("comment", 25), ("move", 12), ("subtask", 10), ("create", 10), ("delete", 8))
_COMMENTS = (
    "Following up on this.",
    "Moved the meeting, see the invite.",
    "Looks good, shipping it.",
    "Can someone take a second look?",
    "Updated per the review.",
)


def _ref(record: Record) -> Record:
    out = {"gid": record["gid"], "resource_type": record["resource_type"]}
    if "name" in record:
        out["name"] = record["name"]
    return out


class _Mutation:
    """One run of `mutate`: local indexes built once, because store.related rebuilds after every update."""

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
                "changed_tasks",
                "new_stories",
            )
        }

    # -- helpers --------------------------------------------------------------------------------------
    def actor(self, task: Record) -> Record:
        people = self.users.get(task["workspace"]["gid"]) or self.store.all("user")
        return self.rng.choice(people)

    def chain(self, task: Record) -> list[Record]:
        """The task and its ancestors, nearest first."""
        out = [task]
        while out[-1].get("parent"):
            parent = self.store.get(out[-1]["parent"]["gid"], "task")
            if parent is None:
                break
            out.append(parent)
        return out

    def scopes(self, task: Record) -> set[str]:
        """Streams a task change bubbles up to: the task, its parent chain, their projects, the workspace."""
        out = {task["workspace"]["gid"]}
        for node in self.chain(task):
            out.add(node["gid"])
            out.update(p["gid"] for p in node.get("projects") or ())
        return out

    def touch(self, task: Record, changes: Record | None = None) -> None:
        self.store.update(task["gid"], {**(changes or {}), "modified_at": self.now})
        if task["gid"] not in self.result["changed_tasks"]:
            self.result["changed_tasks"].append(task["gid"])

    def add_story(self, task: Record, actor: Record, subtype: str, text: str, **extra: object) -> Record:
        """A story on `task`: it bumps the task's modified_at, as every story does in Asana."""
        record = story(self.store.new_gid(), task, actor, self.now, subtype, text, **extra)
        record["source"] = "api"
        self.store.insert(record)
        self.hangers_on[task["gid"]].append(record["gid"])
        self.result["new_stories"].append(record["gid"])
        self.touch(task)
        self.store.emit_event(
            record, "added", scopes=self.scopes(task), user=actor, parent=task, created_at=self.now
        )
        return record

    def changed(self, task: Record, actor: Record, field: str, new_value: Any) -> None:
        change = {"field": field, "action": "changed", "new_value": new_value}
        self.store.emit_event(
            task, "changed", scopes=self.scopes(task), user=actor, change=change, created_at=self.now
        )

    # -- actions --------------------------------------------------------------------------------------
    def edit(self, task: Record) -> None:
        actor = self.actor(task)
        fields = ["name", "notes", "completed", "due_on", "assignee"]
        if task.get("custom_fields"):
            fields.append("custom_fields")
        field = self.rng.choice(fields)
        getattr(self, f"_edit_{field}")(task, actor)
        self.result["edited"].append(task["gid"])

    def _edit_name(self, task: Record, actor: Record) -> None:
        old, new = task["name"], task_name(_RngBuilder(self.rng))
        self.touch(task, {"name": new})
        self.changed(task, actor, "name", new)
        self.add_story(
            task, actor, "name_changed", f'changed the name to "{new}"', old_name=old, new_name=new
        )

    def _edit_notes(self, task: Record, actor: Record) -> None:
        notes = f"{task.get('notes') or task['name']}\nUpdate: {self.rng.choice(_COMMENTS)}".strip()
        self.touch(task, {"notes": notes, "html_notes": f"<body>{notes}</body>"})
        self.changed(task, actor, "notes", notes)
        self.add_story(task, actor, "notes_changed", "changed the description")

    def _edit_completed(self, task: Record, actor: Record) -> None:
        done = not task["completed"]
        self.touch(
            task,
            {
                "completed": done,
                "completed_at": self.now if done else None,
                "completed_by": _ref(actor) if done else None,
            },
        )
        self.changed(task, actor, "completed", done)
        if done:
            self.add_story(task, actor, "marked_complete", "marked this task complete")
        else:
            self.add_story(task, actor, "marked_incomplete", "marked incomplete")

    def _edit_due_on(self, task: Record, actor: Record) -> None:
        due = (date.fromisoformat(self.now[:10]) + timedelta(days=self.rng.randint(1, 45))).isoformat()
        old = {"start_on": task.get("start_on"), "due_at": None, "due_on": task.get("due_on")}
        new = {**old, "due_on": due}
        self.touch(task, {"due_on": due, "due_at": None})
        self.changed(task, actor, "due_on", due)
        text = f"changed the due date to {due_text(due)}"
        self.add_story(task, actor, "due_date_changed", text, old_dates=old, new_dates=new)

    def _edit_assignee(self, task: Record, actor: Record) -> None:
        assignee = self.actor(task)
        followers = list(task.get("followers") or [])
        if all(f["gid"] != assignee["gid"] for f in followers):
            followers.append(_ref(assignee))  # Asana makes the assignee a follower
        self.touch(
            task,
            {
                "assignee": _ref(assignee),
                "assigned_by": _ref(actor),
                "assignee_status": "inbox",
                "followers": followers,
            },
        )
        self.changed(task, actor, "assignee", _ref(assignee))
        text = f"assigned to {assignee['name']}"
        self.add_story(task, actor, "assigned", text, assignee=_ref(assignee))

    def _edit_custom_fields(self, task: Record, actor: Record) -> None:
        entries = [dict(e) for e in task["custom_fields"]]
        k = self.rng.randrange(len(entries))
        entry = entries[k]
        kind = entry["type"]
        old_key, value, display = _new_value(self.rng, entry, self.store)
        entry[old_key], entry["display_value"] = value, display
        self.touch(task, {"custom_fields": entries})
        self.changed(task, actor, "custom_fields", {"gid": entry["gid"], "display_value": display})
        field = {k2: entry[k2] for k2 in ("gid", "resource_type", "name", "type", "resource_subtype")}
        extra = {"custom_field": field, f"new_{old_key}": value}
        text = f"changed {entry['name']} to {display}"
        self.add_story(task, actor, f"{kind}_custom_field_changed", text, **extra)

    def comment(self, task: Record) -> None:
        actor = self.actor(task)
        self.add_story(task, actor, "comment_added", self.rng.choice(_COMMENTS))
        self.result["commented"].append(task["gid"])

    def move(self, task: Record) -> bool:
        """Move the task from its first project to another one; modified_at stays as it was."""
        if not task.get("projects"):
            return False
        current = {p["gid"] for p in task["projects"]}
        targets = [
            p
            for p in self.store.related("project", "workspace", task["workspace"]["gid"])
            if not p.get("archived") and p["gid"] not in current
        ]
        sections_of = {p["gid"]: self.store.related("section", "project", p["gid"]) for p in targets}
        targets = [p for p in targets if sections_of[p["gid"]]]
        if not targets:
            return False
        old = self.store.get(task["projects"][0]["gid"], "project")
        new = self.rng.choice(targets)
        section = self.rng.choice(sections_of[new["gid"]])
        memberships = [m for m in task.get("memberships") or [] if m["project"]["gid"] != old["gid"]]
        memberships.insert(0, {"project": _ref(new), "section": _ref(section)})
        projects = [_ref(new), *(p for p in task["projects"] if p["gid"] != old["gid"])]
        actor = self.actor(task)
        scopes_before = self.scopes(task)
        self.store.update(task["gid"], {"projects": projects, "memberships": memberships})
        self.store.emit_event(
            task, "removed", scopes=scopes_before, user=actor, parent=old, created_at=self.now
        )
        self.store.emit_event(
            task, "added", scopes=self.scopes(task), user=actor, parent=new, created_at=self.now
        )
        self.result["moved"].append(task["gid"])
        return True

    def create(self, anchor: Record, as_subtask: bool) -> None:
        """A new task beside `anchor` (same projects and sections) or, as a subtask, under it."""
        actor = self.actor(anchor)
        gid = self.store.new_gid()
        memberships = [] if as_subtask else [dict(m) for m in anchor.get("memberships") or []]
        projects = [m["project"] for m in memberships]
        assignee = self.actor(anchor) if as_subtask or not projects else None
        task = _blank_task(gid, anchor["workspace"], self.now, actor, task_name(_RngBuilder(self.rng)))
        task.update(
            memberships=memberships,
            projects=[dict(p) for p in projects],
            parent=_ref(anchor) if as_subtask else None,
            assignee=_ref(assignee) if assignee else None,
            assigned_by=_ref(actor) if assignee else None,
            assignee_status="inbox" if assignee else None,
            custom_fields=self._blank_custom_fields(projects),
        )
        if assignee and assignee["gid"] != actor["gid"]:
            task["followers"].append(_ref(assignee))
        self.store.insert(task)
        if as_subtask:
            # The parent's subtask count follows but not its modified_at: a subtask is a task of its own.
            self.store.update(anchor["gid"], {"num_subtasks": len(self.children[anchor["gid"]]) + 1})
            self.children[anchor["gid"]].append(gid)
        self.result["created_subtasks" if as_subtask else "created"].append(gid)
        self.result["changed_tasks"].append(gid)
        parent = anchor if as_subtask else (self.store.get(projects[0]["gid"]) if projects else None)
        self.store.emit_event(
            task,
            "added",
            scopes=self.scopes(task),
            user=actor,
            parent=parent or self.store.get(anchor["workspace"]["gid"]),
            created_at=self.now,
        )

    def _blank_custom_fields(self, projects: list[Record]) -> list[Record]:
        entries: dict[str, Record] = {}
        for p in projects:
            project = self.store.get(p["gid"], "project") or {}
            for s in project.get("custom_field_settings") or ():
                setting = self.store.get(s["gid"], "custom_field_setting")
                cf = setting and self.store.get(setting["custom_field"]["gid"], "custom_field")
                if cf and cf["gid"] not in entries:
                    entries[cf["gid"]] = _empty_value(cf)
        return list(entries.values())

    def delete(self, task: Record) -> None:
        """Delete the task, its subtasks and what hangs on them; Asana answers 404 for them afterwards."""
        actor = self.actor(task)
        doomed: list[Record] = []
        stack = [task["gid"]]
        while stack:
            gid = stack.pop()
            record = self.store.get(gid, "task")
            if record is not None:
                doomed.append(record)
                stack.extend(self.children.get(gid, ()))
        for record in doomed:
            self.store.emit_event(
                record, "deleted", scopes=self.scopes(record), user=actor, created_at=self.now
            )
        gone = {r["gid"] for r in doomed}
        for record in doomed:
            for other in ("dependencies", "dependents"):
                opposite = "dependents" if other == "dependencies" else "dependencies"
                for link in record.get(other) or ():
                    peer = self.store.get(link["gid"], "task")
                    if peer is not None and peer["gid"] not in gone:
                        kept = [x for x in peer.get(opposite) or () if x["gid"] not in gone]
                        self.store.update(peer["gid"], {opposite: kept})
        parent_ref = task.get("parent")
        for record in doomed:
            for gid in self.hangers_on.pop(record["gid"], ()):
                self.store.delete(gid)
            self.store.delete(record["gid"])
            self.children.pop(record["gid"], None)
        if parent_ref and self.store.get(parent_ref["gid"], "task") is not None:
            siblings = [g for g in self.children[parent_ref["gid"]] if g != task["gid"]]
            self.children[parent_ref["gid"]] = siblings
            self.store.update(parent_ref["gid"], {"num_subtasks": len(siblings)})
        for gid in (r["gid"] for r in doomed):
            for key in ("changed_tasks", "edited", "commented", "moved", "created", "created_subtasks"):
                if gid in self.result[key]:
                    self.result[key].remove(gid)
        self.result["deleted"].extend(r["gid"] for r in doomed)


class _RngBuilder:
    """Just enough of the dataset Builder for `task_name`, driven by the mutation's rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, seq: Any) -> Any:
        return seq[self.rng.randrange(len(seq))]


def _blank_task(gid: str, workspace: Record, now: str, creator: Record, name: str) -> Record:
    """A full task record as POST /tasks would leave it; created_at == modified_at == now."""
    return {
        "gid": gid,
        "resource_type": "task",
        "name": name,
        "resource_subtype": "default_task",
        "created_by": _ref(creator),
        "approval_status": None,
        "assignee_status": None,
        "assigned_by": None,
        "completed": False,
        "completed_at": None,
        "completed_by": None,
        "created_at": now,
        "dependencies": [],
        "dependents": [],
        "due_at": None,
        "due_on": None,
        "external": None,
        "html_notes": "<body></body>",
        "hearted": False,
        "hearts": [],
        "is_rendered_as_separator": False,
        "liked": False,
        "likes": [],
        "memberships": [],
        "modified_at": now,
        "notes": "",
        "num_hearts": 0,
        "num_likes": 0,
        "num_subtasks": 0,
        "start_at": None,
        "start_on": None,
        "actual_time_minutes": None,
        "assignee": None,
        "assignee_section": None,
        "custom_fields": [],
        "custom_type": None,
        "custom_type_status_option": None,
        "followers": [_ref(creator)],
        "parent": None,
        "projects": [],
        "tags": [],
        "workspace": dict(workspace),
        "permalink_url": f"https://app.asana.com/1/{workspace['gid']}/task/{gid}",
    }


_VALUE_KEY = {
    "text": "text_value",
    "number": "number_value",
    "enum": "enum_value",
    "multi_enum": "multi_enum_values",
    "date": "date_value",
    "people": "people_value",
}


def _empty_value(cf: Record) -> Record:
    kind = cf["type"]
    empty: Any = [] if kind in ("multi_enum", "people") else None
    return {
        "gid": cf["gid"],
        "resource_type": "custom_field",
        "name": cf["name"],
        "type": kind,
        "resource_subtype": kind,
        "enabled": True,
        "display_value": None,
        _VALUE_KEY.get(kind, "text_value"): empty,
    }


def _new_value(rng: random.Random, entry: Record, store: Store) -> tuple[str, Any, str | None]:
    """(value key, new value, display_value) for a custom field entry of a task."""
    kind = entry["type"]
    key = _VALUE_KEY.get(kind, "text_value")
    cf = store.get(entry["gid"], "custom_field") or {}
    options = cf.get("enum_options") or []
    if kind == "number":
        value = rng.randint(1, 500)
        return key, value, str(value)
    if kind == "enum" and options:
        option = dict(rng.choice(options))
        return key, option, option["name"]
    if kind == "multi_enum" and options:
        chosen = [dict(o) for o in rng.sample(options, min(2, len(options)))]
        return key, chosen, ", ".join(o["name"] for o in chosen)
    if kind == "date":
        value = f"2026-{rng.randint(7, 12):02d}-{rng.randint(1, 28):02d}"
        return key, {"date": value}, value
    if kind == "people":
        users = store.all("user")
        person = _ref(rng.choice(users))
        return key, [person], person["name"]
    value = f"Updated {rng.randint(100, 999)}"
    return "text_value", value, value


def mutate(store: Store, fraction: float, rng: random.Random, now: str | None = None) -> dict[str, Any]:
    """Change about `fraction` of the tasks (edit, comment, move, add subtasks or tasks, delete).

    Returns the gids touched per kind of change, `changed_tasks` (every task, new ones included, whose
    modified_at is now `now`) and `new_stories`. Deterministic for a given store state, rng and `now`.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    now = now or utcnow_iso()
    with store.lock:
        run = _Mutation(store, rng, now)
        tasks = store.all("task")
        count = min(len(tasks), max(1, round(len(tasks) * fraction)))
        picked = sorted(rng.sample(range(len(tasks)), count))
        actions = [a for a, _ in _ACTIONS]
        weights = [w for _, w in _ACTIONS]
        for index in picked:
            task = store.get(tasks[index]["gid"], "task")
            if task is None:  # deleted earlier in this run, as a subtask of a deleted task
                continue
            action = rng.choices(actions, weights)[0]
            if action == "move" and run.move(task):
                continue
            if action in ("edit", "move"):
                run.edit(task)
            elif action == "comment":
                run.comment(task)
            elif action in ("subtask", "create"):
                run.create(task, as_subtask=action == "subtask")
            else:
                run.delete(task)
        # Stories added earlier in the run may have gone with a task deleted later in it.
        run.result["new_stories"] = [g for g in run.result["new_stories"] if g in store.objects]
        return {"fraction": fraction, **run.result}
