"""Bad input to target-asana's command line: one line saying what to fix, a non-zero exit, no traceback,
nothing lost (no state past what Asana confirmed, no record rejected for a settings mistake), no secret."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from asana_sandbox.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from tests.sandbox_client import SandboxClient
from tests.target.conftest import write_requests
from tests.target.target_runner import (
    CliResult,
    record_message,
    run_cli,
    run_target,
    schema_message,
    target_config,
)

SCHEMA = schema_message("tickets", {k: {"type": ["string", "null"]} for k in ("id", "title")}, keys=("id",))


def _ticket(n: int, title: str | None = None) -> dict:
    return record_message("tickets", {"id": f"B-{n}", "title": title or f"Bad input ticket {n}"})


def _project(sandbox: SandboxClient) -> dict:
    """A live project of the first workspace that has the demo's Priority field."""
    store = sandbox.store
    workspace = store.all("workspace")[0]["gid"]
    for project in store.all("project"):
        if project.get("archived") or project["workspace"]["gid"] != workspace:
            continue
        fields = {
            s["custom_field"]["gid"] for s in store.related("custom_field_setting", "project", project["gid"])
        }
        if any((store.get(g) or {}).get("name") == "Priority" for g in fields):
            return project
    raise AssertionError("the demo dataset has no project with a Priority field")


def _config(sandbox: SandboxClient, tmp_path: Path, mapping: dict | None = None, **overrides: Any) -> dict:
    project = _project(sandbox)
    overrides = {"workspace": project["workspace"]["gid"], "max_retries": 2, **overrides}
    return target_config(
        sandbox,
        tmp_path,
        mappings={
            "tickets": {
                "key": "id",
                "project": project["name"],
                "fields": {"name": "title"},
                **(mapping or {}),
            }
        },
        **overrides,
    )


def _titles(sandbox: SandboxClient) -> list[str]:
    return sorted(
        t["name"] for t in sandbox.store.all("task") if (t.get("name") or "").startswith("Bad input")
    )


def _assert_one_line(run: CliResult, *words: str, code: int = 1) -> None:
    assert run.returncode == code, run.stderr[-2000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    for word in words:
        assert word in run.last_line, run.last_line


# -- the input stream ------------------------------------------------------------------------------
def test_a_malformed_line_stops_the_run_after_writing_what_came_before(
    fresh: SandboxClient, tmp_path: Path
) -> None:
    lines = [
        SCHEMA,
        _ticket(1),
        _ticket(2),
        {"type": "STATE", "value": {"read": 2}},
        '{"type": "RECORD", "stream": "tickets", "record": {"id": "B-3"',  # cut off mid-line
        _ticket(4),
        {"type": "STATE", "value": {"read": 4}},
    ]
    run = run_cli(_config(fresh, tmp_path), lines, tmp_path)
    _assert_one_line(run, "line 5 of the input is not valid JSON")
    assert '"B-3"' not in run.stderr  # the line is named, not quoted (records may hold personal data)
    # The records before the bad line are in Asana and the state sent before it is emitted; nothing after.
    assert _titles(fresh) == ["Bad input ticket 1", "Bad input ticket 2"]
    assert run.states == [{"read": 2}]


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([_ticket(1)], ["line 1", "RECORD of stream 'tickets' before any SCHEMA"]),
        ([SCHEMA, "[1, 2]"], ["line 2", "not a Singer message"]),
        ([SCHEMA, '{"type": "RECORDS", "stream": "tickets"}'], ["line 2", "unknown message type 'RECORDS'"]),
        ([SCHEMA, '{"type": "RECORD", "stream": "tickets"}'], ["line 2", "without a valid `record`"]),
        (
            [{**SCHEMA, "schema": {"type": "object", "properties": {"id": {"type": "strin"}}}}],
            ["line 1", "not a valid JSON Schema"],
        ),
        ([{**SCHEMA, "schema": {"type": "object"}}], ["line 1", "lacks `properties`"]),
    ],
)
def test_protocol_errors_name_the_line_and_write_nothing(
    fresh: SandboxClient, tmp_path: Path, lines: list, words: list[str]
) -> None:
    run = run_cli(_config(fresh, tmp_path), lines, tmp_path)
    _assert_one_line(run, *words)
    assert run.stdout == "" and write_requests(fresh) == {}


# -- the config file and its settings --------------------------------------------------------------
@pytest.mark.parametrize("content", [None, "{not json"])
def test_a_config_file_missing_or_not_json_is_a_usage_error(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)
    _assert_one_line(run_cli(path, [], tmp_path), "--config", str(path), code=2)


def _gid(ref: Any) -> str | None:
    return ref.get("gid") if isinstance(ref, dict) else ref


def _field_off_project(sandbox: SandboxClient) -> str:
    """A custom field of the workspace that the mapped project does not have."""
    project = _project(sandbox)
    on_project = {
        s["custom_field"]["gid"]
        for s in sandbox.store.related("custom_field_setting", "project", project["gid"])
    }
    return next(
        f["name"]
        for f in sandbox.store.all("custom_field")
        if f["gid"] not in on_project and _gid(f.get("_workspace")) == project["workspace"]["gid"]
    )


SETTINGS: dict[str, tuple[Callable[[SandboxClient], dict], list[str]]] = {
    "deletes": (lambda sb: {"deletes": "sometimes"}, ["'sometimes' is not one of", "deletes"]),
    "type": (lambda sb: {"requests_per_minute": "fast"}, ["requests_per_minute"]),
    "project": (
        lambda sb: {"mapping": {"project": "No Such Project"}},
        ["mappings.tickets.project", "'No Such Project'"],
    ),
    "custom field": (
        lambda sb: {"mapping": {"custom_fields": {"Nonexistent": "title"}}},
        ["mappings.tickets.custom_fields", "'Nonexistent'"],
    ),
    "field off project": (
        lambda sb: {"mapping": {"custom_fields": {_field_off_project(sb): "title"}}},
        ["mappings.tickets.custom_fields", "is not a field of project"],
    ),
    "task field": (
        lambda sb: {"mapping": {"fields": {"title": "title"}}},
        ["mappings.tickets.fields", "'title'"],
    ),
    "no project with a PAT": (
        lambda sb: {"mapping": {"project": None}},
        ["mappings.tickets.project is required"],
    ),
    "workspace": (lambda sb: {"workspace": "Nowhere Inc"}, ["`workspace`", "'Nowhere Inc'"]),
    "api_url": (lambda sb: {"api_url": "not a url"}, ["`api_url`"]),
    "rejects_file": (lambda sb: {"rejects_file": "/"}, ["rejects file", "directory"]),
}


@pytest.mark.parametrize("case", list(SETTINGS))
def test_a_setting_that_cannot_work_stops_the_run_before_any_write(
    fresh: SandboxClient, tmp_path: Path, case: str
) -> None:
    """A wrong name in the settings would reject every record: the run stops instead, rejecting none."""
    overrides, words = SETTINGS[case]
    settings = overrides(fresh)
    config = _config(fresh, tmp_path, mapping=settings.pop("mapping", None), **settings)
    if config["mappings"]["tickets"].get("project") is None:
        del config["mappings"]["tickets"]["project"]
    run = run_cli(config, [SCHEMA, _ticket(1), {"type": "STATE", "value": {"read": 1}}], tmp_path)
    if case in ("deletes", "type"):
        # The SDK's schema check of the config: its line, then "Config validation failed".
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert all(word in run.stderr for word in words), run.stderr
    else:
        _assert_one_line(run, *words)
    assert run.stdout == "" and write_requests(fresh) == {} and _titles(fresh) == []
    assert not (tmp_path / "rejects.jsonl").exists()


# -- credentials and the connection ----------------------------------------------------------------
def test_missing_credentials_stop_before_any_request(fresh: SandboxClient, tmp_path: Path) -> None:
    config = _config(fresh, tmp_path)
    del config["access_token"]
    fresh.control("reset", {})
    run = run_cli(config, [SCHEMA, _ticket(1)], tmp_path)
    _assert_one_line(run, "`access_token`", "`refresh_token`")
    assert fresh.control("stats")["requests"]["total"] == 0


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"access_token": "not-the-token"}, ["HTTP 401", "`access_token`"]),
        (
            {
                "access_token": None,
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": "nope",
                "refresh_token": "x",
            },
            ["HTTP 401", "`client_secret`"],
        ),
        ({"api_url": "http://127.0.0.1:9/api/1.0"}, ["giving up after 2 tries", "`api_url`"]),
    ],
)
def test_refused_or_unreachable_connection_is_one_line(
    fresh: SandboxClient, tmp_path: Path, overrides: dict, words: list[str]
) -> None:
    config = {k: v for k, v in {**_config(fresh, tmp_path), **overrides}.items() if v is not None}
    run = run_cli(config, [SCHEMA, _ticket(1), {"type": "STATE", "value": {"read": 1}}], tmp_path)
    _assert_one_line(run, *words)
    assert run.stdout == "" and _titles(fresh) == []


# -- secrets ---------------------------------------------------------------------------------------
SECRET_TOKEN = "pat-SECRET-7f3a9c1e5b"
SECRETS = (SECRET_TOKEN, "cs-SECRET-c0ffee", "rt-SECRET-beef42", DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN)


def _secret_paths(sandbox: SandboxClient) -> dict[str, tuple[dict, list]]:
    """Failure paths, each as (config overrides, input lines)."""
    rejected = record_message(
        "tickets", {"id": "B-9", "title": "Bad input rejected", "owner": "nobody@x.invalid"}
    )
    oauth = {"access_token": None, "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    return {
        "bad settings": ({"mapping": {"project": "No Such Project"}}, [SCHEMA, _ticket(1)]),
        "malformed line, rejected record": (
            {"mapping": {"fields": {"name": "title", "assignee": "owner"}}},
            [SCHEMA, rejected, _ticket(1), "{oops"],
        ),
        "secret of the wrong type": (
            {"access_token": [SECRET_TOKEN], "client_secret": {"v": "cs-SECRET-c0ffee"}},
            [],
        ),
        "refused PAT": ({"access_token": SECRET_TOKEN + "x"}, [SCHEMA, _ticket(1)]),
        "refused OAuth": (
            {**oauth, "client_secret": "cs-SECRET-c0ffee", "refresh_token": "rt-SECRET-beef42"},
            [SCHEMA, _ticket(1)],
        ),
        "unreachable": ({"api_url": "http://127.0.0.1:9/api/1.0"}, [SCHEMA, _ticket(1)]),
        "OAuth, rejected record": (
            {
                **oauth,
                "refresh_token": DEFAULT_REFRESH_TOKEN,
                "mapping": {"fields": {"name": "title", "assignee": "owner"}},
            },
            [SCHEMA, rejected, {"type": "STATE", "value": {"read": 1}}],
        ),
    }


def test_no_failure_path_prints_or_stores_a_secret(
    sandbox_factory: Callable[..., SandboxClient], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(token=SECRET_TOKEN)
    outputs = []
    for n, (name, (overrides, lines)) in enumerate(_secret_paths(sandbox).items()):
        where = tmp_path / str(n)
        where.mkdir()
        settings = dict(overrides)
        config = _config(sandbox, where, mapping=settings.pop("mapping", None), **settings)
        config = {k: v for k, v in config.items() if v is not None}
        run = run_cli(config, lines, where, env={"TARGET_ASANA_LOGLEVEL": "DEBUG"})
        assert "Traceback" not in run.stderr, (name, run.stderr[-2000:])
        outputs.append((name, run))
    assert all(run.returncode != 0 or name == "OAuth, rejected record" for name, run in outputs)
    assert any(run.rejects for _, run in outputs)  # the rejects file was written, and is checked too
    for name, run in outputs:
        for secret in SECRETS:
            assert secret not in run.everything(), (name, secret)


# -- the same object twice in one input -------------------------------------------------------------
def test_records_of_one_key_in_one_input_make_one_task_written_in_order(
    fresh: SandboxClient, tmp_path: Path
) -> None:
    """Sent together, each would create a task; each later one compares with Asana as the earlier left it."""
    edited = _ticket(1, "Bad input ticket 1, edited")
    result = run_target(_config(fresh, tmp_path), [SCHEMA, _ticket(1), edited, _ticket(2), _ticket(1)])
    assert _titles(fresh) == ["Bad input ticket 1", "Bad input ticket 2"]
    assert (result.totals["created"], result.totals["updated"]) == (2, 2)


def test_two_records_of_one_object_in_one_input_make_one_tag(fresh: SandboxClient, tmp_path: Path) -> None:
    tag_schema = schema_message(
        "tags", {"name": {"type": "string"}, "color": {"type": ["string", "null"]}}, keys=()
    )
    tags = [record_message("tags", {"name": "Bad input tag", "color": c}) for c in ("dark-red", "dark-blue")]
    # Two batches as well: the second must see what the first created.
    run_target(_config(fresh, tmp_path, batch_size_rows=1), [tag_schema, *tags, tags[0]])
    made = [t for t in fresh.store.all("tag") if t["name"] == "Bad input tag"]
    assert len(made) == 1 and made[0]["color"] == "dark-red"
