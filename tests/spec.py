"""Asana's OpenAPI spec for the conformance tests, read from the committed digest.

`asana_sandbox/openapi_digest.json` (written by `scripts/generate_spec_digest.py`) keeps the spec's layout and
`$ref`s without its prose, so the tests run on any clone; a test compares it with the spec where the spec is
present. `Spec` resolves references and validates bodies; `Mismatch` locates what does not conform.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import requests
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

REPO_ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = REPO_ROOT.parent / "shared" / "reference" / "asana_oas.yaml"
DIGEST_GENERATOR = REPO_ROOT / "scripts" / "generate_spec_digest.py"
SPEC_URI = "urn:asana-oas"
ERROR_RESPONSE = f"{SPEC_URI}#/components/schemas/ErrorResponse"
WRITE_METHODS = ("post", "put", "patch", "delete")


def digest_text() -> str:
    """The committed digest, read where the sandbox package is installed from."""
    return files("asana_sandbox").joinpath("openapi_digest.json").read_text(encoding="utf-8")


@cache
def load_spec() -> Spec:
    """The spec, from the digest (once per process: every xdist worker builds its own)."""
    return Spec(json.loads(digest_text()))


class Operation(Protocol):
    """What names an operation: a sandbox `Route` or an `Endpoint`."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


class Endpoint(NamedTuple):
    """An operation named by its method and the spec's path template."""

    method: str
    path: str

    @classmethod
    def parse(cls, key: str) -> Endpoint:
        """`"POST /tasks/{task_gid}/addTag"` -> Endpoint("POST", "/tasks/{task_gid}/addTag")."""
        method, path = key.split(" ", 1)
        return cls(method.upper(), path)


@dataclass
class Spec:
    """The spec with string keys throughout, and a registry that resolves its `$ref`s."""

    document: dict[str, Any]
    registry: Registry = field(init=False)

    def __post_init__(self) -> None:
        self.document = nullable_references(self.document)
        self.registry = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(self.document))

    def operation(self, route: Operation) -> dict[str, Any] | None:
        return self.document["paths"].get(route.path, {}).get(route.method.lower())

    def write_operations(self) -> list[str]:
        """`"<METHOD> <path>"` of every POST, PUT, PATCH and DELETE of the spec."""
        return sorted(
            f"{method.upper()} {path}"
            for path, item in self.document["paths"].items()
            for method in WRITE_METHODS
            if method in item
        )

    def parameters(self, route: Operation) -> dict[str, dict[str, Any]]:
        """The operation's parameters by name, path-level ones included, `$ref`s resolved."""
        path_item = self.document["paths"][route.path]
        found: dict[str, dict[str, Any]] = {}
        for parameter in [
            *path_item.get("parameters", ()),
            *path_item[route.method.lower()].get("parameters", ()),
        ]:
            if "$ref" in parameter:
                parameter = self.resolve(parameter["$ref"].removeprefix("#"))
            found[parameter["name"]] = parameter
        return found

    def has_response(self, route: Operation, status: int) -> bool:
        operation = self.operation(route)
        return operation is not None and str(status) in operation["responses"]

    def response_schema(self, route: Operation, status: int) -> str:
        """The URI of the JSON schema of an operation's response (following a `$ref`ed response)."""
        pointer = f"/paths/{escape(route.path)}/{route.method.lower()}/responses/{status}"
        response = self.document["paths"][route.path][route.method.lower()]["responses"][str(status)]
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = self.resolve(pointer)
        assert "application/json" in response["content"], f"{route.path} {status}: no JSON response"
        return f"{SPEC_URI}#{pointer}/content/application~1json/schema"

    def error_schema(self, route: Operation, status: int) -> str:
        """The operation's schema for an error status; the general `ErrorResponse` where it lists none."""
        if self.has_response(route, status):
            return self.response_schema(route, status)
        return ERROR_RESPONSE

    def request_body(self, route: Operation) -> tuple[str, dict[str, Any]] | None:
        """(JSON pointer, request body object) of an operation, following a `$ref`; None without one."""
        operation = self.operation(route)
        if operation is None or "requestBody" not in operation:
            return None
        pointer = f"/paths/{escape(route.path)}/{route.method.lower()}/requestBody"
        body = operation["requestBody"]
        if "$ref" in body:
            pointer = body["$ref"].removeprefix("#")
            body = self.resolve(pointer)
        return pointer, body

    def request_schema(self, route: Operation, media_type: str = "application/json") -> str | None:
        """The URI of the schema of an operation's request body in `media_type`; None if it takes none."""
        found = self.request_body(route)
        if found is None or media_type not in found[1].get("content", {}):
            return None
        return f"{SPEC_URI}#{found[0]}/content/{escape(media_type)}/schema"

    def resolve(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def schema_fields(self, schema: dict[str, Any]) -> list[str]:
        """Property names of a schema, through `$ref` and `allOf`."""
        if "$ref" in schema:
            return self.schema_fields(self.resolve(schema["$ref"].removeprefix("#")))
        names = list(schema.get("properties", {}))
        for part in schema.get("allOf", ()):
            names.extend(n for n in self.schema_fields(part) if n not in names)
        return names

    def item_schema(self, route: Operation) -> dict[str, Any]:
        """The schema of `data` (or of its items) in the operation's 200 response."""
        uri = self.response_schema(route, 200)
        body = self.resolve(uri.split("#", 1)[1])
        data = body["properties"]["data"]
        return data.get("items", data)

    def errors(self, schema_uri: str, instance: Any, *, request: bool = False) -> list[Mismatch]:
        """How `instance` differs from the schema: as an answer, or as a request (`readOnly` refused)."""
        validator_class = OAS30WriteValidator if request else OAS30ReadValidator
        validator = validator_class(
            {"$ref": schema_uri}, registry=self.registry, format_checker=oas30_format_checker
        )
        found = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
        return [
            Mismatch(*locate(instance, e.absolute_path), e.message[:300], e.instance is None) for e in found
        ]


def locate(instance: Any, path: Any) -> tuple[str, str, str]:
    """(kind of the record, dotted field path in it, full path) of a mismatch.

    The record is `data` (or an item of it) in a body, else the instance itself; its kind is its
    `resource_type`, or `event` / `audit_log_event` for those, which have none.
    """
    steps = list(path)
    full = "/".join(map(str, steps)) or "<root>"
    node = instance
    if isinstance(node, dict) and steps[:1] == ["data"] and "data" in node:
        node, steps = node["data"], steps[1:]
        if isinstance(node, list) and steps and isinstance(steps[0], int):
            node, steps = node[steps[0]], steps[1:]
    kind = ""
    if isinstance(node, dict) and isinstance(node.get("resource_type"), str):
        kind = node["resource_type"]
    elif isinstance(node, dict) and {"action", "resource", "created_at"} <= node.keys():
        kind = "event"
    elif isinstance(node, dict) and {"event_type", "actor", "context"} <= node.keys():
        kind = "audit_log_event"  # the spec's AuditLogEvent has no resource_type
    return kind, ".".join(s for s in steps if isinstance(s, str)), full


# Nulls Asana documents although the spec's schema forgets `nullable`; the sandbox answers as documented.
# EventResponse's own text: "Some events are generated by the system, and will have `null` as the user"; "The
# parent will be `null` for other event types". A new webhook answers `last_success_at`, `last_failure_at` and
# `last_failure_content` as null (asana-api.md §3.5, from the create-webhook example). Every other field the
# spec declares non-nullable is left out by the sandbox when it has no value, never answered as null.
DOCUMENTED_NULLS: dict[str, frozenset[str]] = {
    "event": frozenset({"user", "parent"}),
    "webhook": frozenset({"last_failure_at", "last_success_at", "last_failure_content"}),
}


@dataclass(frozen=True)
class Mismatch:
    """One way a body differs from its schema, located in the record it concerns."""

    kind: str
    field: str
    path: str
    message: str
    null: bool

    @property
    def documented(self) -> bool:
        """A null Asana documents although the spec's schema does not allow it (DOCUMENTED_NULLS)."""
        return self.null and self.field in DOCUMENTED_NULLS.get(self.kind, ())

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def nullable_references(node: Any) -> Any:
    """The spec with its nullable references made checkable.

    The spec writes a nullable object reference as `allOf: [{$ref: X}, {nullable: true, ...}]` ("the parent of
    this task, or `null`..."). OAS 3.0 only honours `nullable` beside a `type`, so a validator rejects the
    null the spec describes. Such a schema becomes `anyOf: [<the allOf>, {enum: [null]}]`: the spec's intent,
    nothing looser. Every other schema is kept as it is.
    """
    if isinstance(node, list):
        return [nullable_references(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: nullable_references(value) for key, value in node.items()}
    parts = node.get("allOf")
    if isinstance(parts, list) and (
        node.get("nullable") or any(isinstance(p, dict) and p.get("nullable") for p in parts)
    ):
        outer = {key: value for key, value in node.items() if key not in ("allOf", "nullable")}
        return {**outer, "anyOf": [{"allOf": parts}, {"enum": [None]}]}
    return node


def escape(path: str) -> str:
    """A path as one JSON pointer token."""
    return path.replace("~", "~0").replace("/", "~1")


def mismatches(spec: Spec, schema_uri: str, body: Any, what: str) -> list[tuple[str, Mismatch]]:
    """The body's mismatches with the schema that Asana does not document, each labelled `what`."""
    return [(what, e) for e in spec.errors(schema_uri, body) if not e.documented]


def verdict(found: list[tuple[str, Mismatch]], schema: str) -> None:
    """Fail on any mismatch with the spec that Asana does not document."""
    unexplained = [f"{what}: {e}" for what, e in found]
    assert not unexplained, f"does not conform to {schema}:\n  " + "\n  ".join(unexplained)


def assert_conforms(spec: Spec, schema_uri: str, body: Any, what: str) -> None:
    verdict(mismatches(spec, schema_uri, body, what), schema_uri)


def assert_error_body(spec: Spec, schema_uri: str, response: requests.Response, what: str) -> None:
    """The schema of an error leaves every key optional: check Asana's shape explicitly too."""
    body = response.json()
    assert isinstance(body.get("errors"), list) and body["errors"], body
    assert all(isinstance(e.get("message"), str) and e["message"] for e in body["errors"]), body
    assert_conforms(spec, schema_uri, body, what)
