"""A 400 on one partition skips it with a warning, as a 402, 403 or 404 does; the other partitions arrive."""

from __future__ import annotations

import pytest

from tap_asana.client import AsanaStream
from tests.tap.tap_runner import run_tap, tap_config


def test_a_400_on_one_partition_skips_it_and_the_run_goes_on(
    sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    projects = [p["gid"] for p in sandbox.store.all("project")]
    refused = projects[0]
    original = AsanaStream.route_request

    def route_request(self, route, context, token):  # a request Asana answers with 400 for one project
        request = original(self, route, context, token)
        if self.name == "sections" and (context or {}).get("project_gid") == refused:
            request.params["limit"] = 0
        return request

    monkeypatch.setattr(AsanaStream, "route_request", route_request)
    result = run_tap(tap_config(sandbox), streams=["projects", "sections"])
    assert result.error is None
    sections = {s["gid"] for s in result.records["sections"]}
    expected = {s["gid"] for s in sandbox.store.all("section") if s["project"]["gid"] != refused}
    assert sections == expected
    assert "Skipping stream 'sections' partition" in caplog.text and "400" in caplog.text
    assert sandbox.control("stats")["requests"]["by_status"].get("400") == 1
