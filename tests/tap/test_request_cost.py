"""What makes a request cheaper must not change it: the same URL and headers as the SDK's own path,
`opt_fields` narrowed only by the catalog, and the SDK's metric lines off unless asked for."""

from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import click
import pytest
import requests
from singer_sdk import RESTStream
from singer_sdk.authenticators import APIAuthenticatorBase
from singer_sdk.streams.rest import HTTPRequest

from asana_client.query import EncodedQuery
from asana_client.transport import AsanaSession
from tap_asana.client import AsanaStream
from tap_asana.logs import METRICS_LEVEL_ENV, metrics_log_level
from tap_asana.stream_schemas import opt_field_paths
from tap_asana.tap import TapAsana
from tests.tap.tap_runner import selected_catalog, tap_config, tap_with_config

CONTEXT_VALUES = ("workspace_gid", "project_gid", "assignee_gid", "task_gid", "parent_gid", "user_gid")


def _api_streams(config: dict[str, Any]) -> list[AsanaStream]:
    streams = TapAsana(config=config, validate_config=False).streams.values()
    return [s for s in streams if isinstance(s, AsanaStream) and s.reads_api]


def test_the_default_catalog_asks_every_schema_property(sandbox) -> None:
    streams = _api_streams(tap_config(sandbox))
    assert len(streams) > 30
    for stream in streams:
        added = set(getattr(stream, "context_keys", ()))
        every = [p for p in opt_field_paths(stream.schema) if p.split(".", 1)[0] not in added]
        assert stream.opt_fields == every, stream.name
        assert stream.opt_fields_param is stream.opt_fields_param  # joined once


@pytest.mark.parametrize("token", [None, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9:a+b/c=="])
def test_prepared_requests_are_the_ones_the_sdk_prepares(sandbox, token: str | None) -> None:
    """Every stream's request as sent, by the shortcuts and by the SDK's own path: the same request.

    The SDK's path: `HTTPRequest.encode_params`, `build_prepared_request`, then its authenticator, which
    re-encoded the query (ours only sets the header). The parameters, their order and the path are the
    same; the commas of `opt_fields` are sent literally (`%2C` before), as the tap always asked."""
    compared = 0
    for stream in _api_streams(tap_config(sandbox)):
        context: dict[str, Any] = dict.fromkeys(getattr(stream, "context_keys", ()), "1200000000000042")
        context.update(dict.fromkeys(CONTEXT_VALUES, "1200000000000042"))
        try:
            route = stream.default_route(context)
        except (KeyError, TypeError):  # a stream that builds its route from other inputs
            continue
        fast = stream.route_request(route, context, token)
        query = fast.encode_params()
        assert isinstance(query, EncodedQuery)
        ours = stream.build_prepared_request(
            method=fast.method, url=fast.url, params=query, headers=fast.headers
        )
        sdk_request = HTTPRequest(
            url=fast.url,
            method=fast.method,
            params=fast.params,
            headers=fast.headers,
            safe_query_chars=fast.safe_query_chars,
        )
        theirs = RESTStream.build_prepared_request(
            stream,
            method=sdk_request.method,
            url=sdk_request.url,
            params=sdk_request.encode_params(),
            headers=sdk_request.headers,
        )
        ours = stream.authenticator(ours)
        theirs = APIAuthenticatorBase.authenticate_request(stream.authenticator, theirs)
        ours_url, theirs_url = urlsplit(ours.url), urlsplit(theirs.url)
        assert ours_url._replace(query="") == theirs_url._replace(query=""), stream.name
        assert parse_qsl(ours_url.query, keep_blank_values=True) == parse_qsl(theirs_url.query), stream.name
        assert "%2C" not in ours_url.query
        assert (ours.method, ours.body) == (theirs.method, theirs.body)
        assert dict(ours.headers) == dict(theirs.headers)
        assert (ours.hooks, len(ours._cookies)) == (theirs.hooks, len(theirs._cookies))
        compared += 1
    assert compared > 30


def test_the_tap_prepares_its_gets_from_the_template(sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page request of a sync skips `Session.prepare_request`; anything else still goes through it."""
    prepared: list[str] = []
    original = AsanaSession.prepare_request

    def counted(session: AsanaSession, request: requests.Request) -> requests.PreparedRequest:
        prepared.append(str(request.url))
        return original(session, request)

    monkeypatch.setattr(AsanaSession, "prepare_request", counted)
    config = tap_config(sandbox)
    records, urls = _sync(config, selected_catalog(config, ["tasks"]), monkeypatch)
    assert records and urls
    assert prepared == []

    stream = next(s for s in _api_streams(config) if s.name == "tasks")
    base = stream.url_base
    query = EncodedQuery("limit=1")
    fallbacks = [
        {"method": "POST", "url": f"{base}/tasks", "params": query, "headers": {}},
        {"method": "GET", "url": f"{base}/tasks", "params": query, "headers": {}, "json": {"a": 1}},
        {"method": "GET", "url": "http://127.0.0.1:9/elsewhere/tasks", "params": query, "headers": {}},
        {"method": "GET", "url": f"{base}/tasks?x=1", "params": query, "headers": {}},
        {"method": "GET", "url": f"{base}/tasks", "params": {"limit": 1}, "headers": {}},
    ]
    for kwargs in fallbacks:
        stream.build_prepared_request(**kwargs)
    assert len(prepared) == len(fallbacks)


def _catalog_without(config: dict[str, Any], stream: str, properties: list[str]) -> dict:
    catalog = selected_catalog(config, [stream])
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == stream)
    for metadata in entry["metadata"]:
        if metadata["breadcrumb"] in (["properties", name] for name in properties):
            metadata["metadata"]["selected"] = False
    return catalog


def _sync(
    config: dict[str, Any], catalog: dict, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[dict], list[str]]:
    """The `tasks` records of one run, and the URLs it requested."""
    sent: list[str] = []
    original = AsanaSession.send

    def spy(session: AsanaSession, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        sent.append(str(request.url))
        return original(session, request, **kwargs)

    monkeypatch.setattr(AsanaSession, "send", spy)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        TapAsana(config=config, catalog=catalog).sync_all()
    monkeypatch.setattr(AsanaSession, "send", original)
    messages = [json.loads(line) for line in buffer.getvalue().splitlines()]
    records = [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == "tasks"]
    return sorted(records, key=lambda r: r["gid"]), sent


def _task_fields_asked(urls: list[str]) -> list[set[str]]:
    asked = []
    for url in urls:
        parts = urlsplit(url)
        if parts.path.endswith(("/tasks", "/subtasks")):
            asked.append(set(parse_qs(parts.query)["opt_fields"][0].split(",")))
    return asked


def test_a_deselected_property_is_neither_asked_nor_emitted(sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tap_config(sandbox)
    everything, _ = _sync(config, selected_catalog(config, ["tasks"]), monkeypatch)
    # `notes` is only emitted; `num_subtasks` is also read by the tap (subtask walks), so it is still asked.
    catalog = _catalog_without(config, "tasks", ["notes", "num_subtasks"])
    records, urls = _sync(config, catalog, monkeypatch)

    asked = _task_fields_asked(urls)
    assert asked
    for fields in asked:
        assert "notes" not in fields
        assert {"num_subtasks", "name", "gid", "modified_at", "parent.gid"} <= fields
    assert any(r.get("notes") for r in everything)
    assert any(r.get("num_subtasks") for r in everything)
    expected = [{k: v for k, v in r.items() if k not in ("notes", "num_subtasks")} for r in everything]
    assert records == expected  # the same tasks (subtasks walked too), minus the two properties


def test_metrics_are_quiet_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert metrics_log_level({}, environ={}) == "WARNING"
    assert metrics_log_level({}, environ={METRICS_LEVEL_ENV: "info"}) == "INFO"
    assert metrics_log_level({"metrics_log_level": "DEBUG"}, environ={METRICS_LEVEL_ENV: "ERROR"}) == "DEBUG"
    assert metrics_log_level({}, environ={"TAP_ASANA_LOGLEVEL": "debug"}) == "DEBUG"
    assert metrics_log_level({}, environ={"LOGLEVEL": "INFO"}) == "WARNING"
    with pytest.raises(click.UsageError, match="not one of DEBUG, INFO"):
        metrics_log_level({}, environ={METRICS_LEVEL_ENV: "loud"})


def _metric_lines(sandbox, caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO), redirect_stdout(io.StringIO()):
        config = tap_config(sandbox)
        TapAsana(config=config, catalog=selected_catalog(config, ["workspaces"])).sync_all()
    return [r.getMessage() for r in caplog.records if r.name == "singer_sdk.metrics"]


def test_request_metrics_are_off_by_default_and_on_when_asked(
    sandbox, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(METRICS_LEVEL_ENV, raising=False)
    monkeypatch.delenv("TAP_ASANA_LOGLEVEL", raising=False)
    assert _metric_lines(sandbox, caplog) == []
    monkeypatch.setenv(METRICS_LEVEL_ENV, "INFO")
    lines = _metric_lines(sandbox, caplog)
    assert any("http_request_duration" in line for line in lines)
    assert any("record_count" in line for line in lines)


def test_a_bad_metrics_level_is_a_usage_error(sandbox, tmp_path: Path) -> None:
    run = tap_with_config(tap_config(sandbox), tmp_path, env={**_environ(), METRICS_LEVEL_ENV: "loud"})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert METRICS_LEVEL_ENV in run.stderr.strip().splitlines()[-1]


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def _partition_notes(sandbox, caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO), redirect_stdout(io.StringIO()):
        config = tap_config(sandbox)
        tap = TapAsana(config=config, catalog=selected_catalog(config, ["stories"]))
        tap.streams["stories"].logger.setLevel(level)
        tap.sync_all()
    return [r.getMessage() for r in caplog.records if r.name == "tap-asana.stories"]


def test_partition_start_notes_are_written_once_per_stream_unless_debugging(
    sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    lines = _partition_notes(sandbox, caplog, logging.INFO)
    assert len([line for line in lines if line.startswith("Beginning sync of 'stories'")]) == 1
    assert len([line for line in lines if line.startswith("Starting incremental sync of 'stories'")]) == 1
    again = _partition_notes(sandbox, caplog, logging.INFO)  # another run in the same process
    assert len([line for line in again if line.startswith("Beginning sync of 'stories'")]) == 1
    debugging = _partition_notes(sandbox, caplog, logging.DEBUG)
    assert len([line for line in debugging if line.startswith("Beginning sync of 'stories'")]) > 100
    incremental = "Starting incremental sync of 'stories'"
    assert len([line for line in debugging if line.startswith(incremental)]) > 100
