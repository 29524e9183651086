"""Every write operation of the spec answers what its schemas describe, on real records.

Driven by the cases of `tests/sandbox/write_cases/`: each runs on a fresh Enterprise demo sandbox (a write
changes the store, and starting one takes a tenth of a second), its request is checked against the spec (path
template, query parameters, request body schema), and the answer must have the case's status and match the
operation's response schema for it. The coverage tests fail while a write operation of the spec has no case.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.sandbox.write_cases import WriteCase, WriteRequest, all_cases
from tests.sandbox_client import SandboxClient
from tests.spec import Endpoint, Spec, assert_conforms, assert_error_body, load_spec

CASES = all_cases()
TIMEOUT = 30


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the paths of a spec path template (`{task_gid}` -> one path segment)."""
    parts = re.split(r"{\w+}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + r"\Z")


def _multipart_instance(request: WriteRequest, schema: dict[str, Any]) -> dict[str, Any]:
    """The multipart form as the object its schema describes: files as binary strings, booleans decoded."""
    properties = schema.get("properties", {})
    instance: dict[str, Any] = {}
    for name, value in (request.form or {}).items():
        boolean = properties.get(name, {}).get("type") == "boolean" and value in ("true", "false")
        instance[name] = value == "true" if boolean else value
    for name in request.files or {}:
        instance[name] = "<binary>"
    return instance


def _request_problems(spec: Spec, endpoint: Endpoint, request: WriteRequest, success: bool) -> list[str]:
    """How the request differs from what the spec says the operation takes.

    A body is checked only for a case that expects success: an error case may send, on purpose, a body the
    spec refuses (a wrong type, a missing field), which is the point of that case.
    """
    problems: list[str] = []
    if not _template_pattern(endpoint.path).match(request.path):
        problems.append(f"path {request.path!r} does not fit the template {endpoint.path!r}")
    known = {n for n, p in spec.parameters(endpoint).items() if p.get("in") == "query"}
    problems += [f"query parameter {n!r} is not the operation's" for n in request.query if n not in known]
    if request.files is not None:
        uri = spec.request_schema(endpoint, "multipart/form-data")
        if uri is None:
            return [*problems, "the case uploads files; the operation takes no multipart/form-data body"]
        schema = spec.resolve(uri.split("#", 1)[1])
        while "$ref" in schema:
            schema = spec.resolve(schema["$ref"].removeprefix("#"))
        instance = _multipart_instance(request, schema)
        found = spec.errors(uri, instance, request=True) if success else []
        return problems + [f"multipart form {m}" for m in found]
    uri = spec.request_schema(endpoint)
    if request.body is None:
        body = spec.request_body(endpoint)
        if success and body is not None and body[1].get("required"):
            problems.append("the operation requires a request body; the case sends none")
        return problems
    if uri is None:
        return [*problems, "the case sends a JSON body; the operation takes none"]
    found = spec.errors(uri, request.body, request=True) if success else []
    return problems + [f"request body {m}" for m in found]


def _send(client: SandboxClient, method: str, request: WriteRequest) -> requests.Response:
    """The request as a client sends it: a JSON body, or a multipart form with its files."""
    url = client.base_url + request.path
    params = request.query or None
    if request.files is not None:
        return client.session.request(
            method, url, params=params, files=request.files, data=request.form, timeout=TIMEOUT
        )
    return client.session.request(method, url, params=params, json=request.body, timeout=TIMEOUT)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_write_operation_conforms_to_spec(
    spec: Spec, sandbox_factory: Callable[..., SandboxClient], case: WriteCase
) -> None:
    endpoint = Endpoint.parse(case.operation)
    assert spec.operation(endpoint) is not None, f"{case.operation} is not an operation of the spec"
    # Loopback webhook targets allowed: the webhook case's target is a local receiver that shakes hands.
    client = sandbox_factory("demo", tier="enterprise", allow_loopback_webhooks=True)
    request = case.build(client.store)
    success = case.status < 400
    problems = _request_problems(spec, endpoint, request, success)
    assert not problems, f"{case.id}: the request does not conform to the spec:\n  " + "\n  ".join(problems)

    response = _send(client, endpoint.method, request)
    assert response.status_code == case.status, (
        f"{case.id}: expected {case.status}, got {response.status_code}: {response.text[:500]}"
    )
    if success:
        assert spec.has_response(endpoint, case.status), f"{case.operation}: the spec lists no {case.status}"
        body = response.json()
        assert "data" in body, body
        assert_conforms(spec, spec.response_schema(endpoint, case.status), body, f"{case.id} answer")
    else:
        what = f"{case.id} {case.status}"
        assert_error_body(spec, spec.error_schema(endpoint, case.status), response, what)


def test_every_write_operation_of_the_spec_has_a_case(spec: Spec) -> None:
    operations = spec.write_operations()
    covered = {case.operation for case in CASES}
    missing = [operation for operation in operations if operation not in covered]
    report = f"write operations without a conformance case: {len(missing)} of {len(operations)}"
    print(f"{report}:", *missing, sep="\n  ")
    assert not missing, f"{report}:\n  " + "\n  ".join(missing)


def test_every_case_names_a_write_operation_of_the_spec(spec: Spec) -> None:
    unknown = sorted({case.operation for case in CASES} - set(spec.write_operations()))
    assert not unknown, f"cases for operations that are not write operations of the spec: {unknown}"


def test_case_ids_are_unique() -> None:
    """A failure must name one case: cases of one operation differ by `name`."""
    duplicates = sorted(case_id for case_id, count in Counter(case.id for case in CASES).items() if count > 1)
    assert not duplicates, f"case ids used more than once (give each a name): {duplicates}"
