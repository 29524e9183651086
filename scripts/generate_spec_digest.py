#!/usr/bin/env python3
"""Write a prose-free digest of Asana's OpenAPI spec: what request and response validation needs.

Output (committed, shipped with the sandbox package, read by the conformance tests so that they run without
the spec): ``asana_sandbox/openapi_digest.json``. It keeps the spec's layout and its ``$ref``s (a JSON pointer
into the spec points at the same node in the digest): every operation's ``operationId``, ``tags``,
parameters (name, in, required, style, explode, schema), request body and responses with their schemas, and
``components`` (schemas, parameters, responses, requestBodies). Schemas keep their validation keywords only;
descriptions, examples, summaries and ``x-*`` extensions are dropped.

Usage::

    python scripts/generate_spec_digest.py            # (re)write the digest
    python scripts/generate_spec_digest.py --check    # exit 1 if the committed digest is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "reference" / "asana_oas.yaml"
DIGEST_PATH = REPO_ROOT / "asana_sandbox" / "openapi_digest.json"

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
OPERATION_KEYS = ("operationId", "tags")
PARAMETER_KEYS = ("name", "in", "required", "style", "explode")
COMPONENT_KINDS = ("schemas", "parameters", "responses", "requestBodies")

# Keywords of an OAS 3.0 schema kept as they are (values without nested schemas).
SCHEMA_SCALARS = (
    "$ref",
    "type",
    "format",
    "required",
    "nullable",
    "enum",
    "default",
    "readOnly",
    "writeOnly",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def load_spec(path: Path) -> dict[str, Any]:
    """The spec as plain JSON data: YAML's integer status codes and dates become strings."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        raw = yaml.load(handle, Loader=loader)  # safe loaders only
    return json.loads(json.dumps(raw, default=str))


def digest_schema(schema: Any) -> Any:
    """A schema with its validation keywords only (property names are data, never dropped)."""
    if not isinstance(schema, dict):
        return schema  # `additionalProperties: true`
    kept: dict[str, Any] = {key: schema[key] for key in SCHEMA_SCALARS if key in schema}
    for key in ("items", "not", "additionalProperties"):
        if key in schema:
            kept[key] = digest_schema(schema[key])
    for key in SCHEMA_LISTS:
        if key in schema:
            kept[key] = [digest_schema(part) for part in schema[key]]
    if "properties" in schema:
        kept["properties"] = {name: digest_schema(sub) for name, sub in schema["properties"].items()}
    if "discriminator" in schema:
        kept["discriminator"] = schema["discriminator"]
    return kept


def digest_content(content: dict[str, Any]) -> dict[str, Any]:
    """Media types and their schemas (examples dropped)."""
    return {
        media_type: {"schema": digest_schema(entry["schema"])} if "schema" in entry else {}
        for media_type, entry in content.items()
    }


def digest_parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in parameter:
        return {"$ref": parameter["$ref"]}
    kept = {key: parameter[key] for key in PARAMETER_KEYS if key in parameter}
    if "schema" in parameter:
        kept["schema"] = digest_schema(parameter["schema"])
    if "content" in parameter:
        kept["content"] = digest_content(parameter["content"])
    return kept


def digest_body(body: dict[str, Any]) -> dict[str, Any]:
    """A request body or a response: `$ref`, `required`, content."""
    if "$ref" in body:
        return {"$ref": body["$ref"]}
    kept: dict[str, Any] = {key: body[key] for key in ("required",) if key in body}
    if "content" in body:
        kept["content"] = digest_content(body["content"])
    return kept


def digest_operation(operation: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {key: operation[key] for key in OPERATION_KEYS if key in operation}
    if "parameters" in operation:
        kept["parameters"] = [digest_parameter(p) for p in operation["parameters"]]
    if "requestBody" in operation:
        kept["requestBody"] = digest_body(operation["requestBody"])
    kept["responses"] = {status: digest_body(r) for status, r in operation.get("responses", {}).items()}
    return kept


def digest(spec: dict[str, Any]) -> dict[str, Any]:
    """The digest of a spec already loaded as JSON data."""
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        entry: dict[str, Any] = {}
        if "parameters" in item:
            entry["parameters"] = [digest_parameter(p) for p in item["parameters"]]
        for method in METHODS:
            if method in item:
                entry[method] = digest_operation(item[method])
        paths[path] = entry
    source = spec.get("components", {})
    digest_one = {
        "schemas": digest_schema,
        "parameters": digest_parameter,
        "responses": digest_body,
        "requestBodies": digest_body,
    }
    components = {
        kind: {name: digest_one[kind](node) for name, node in source[kind].items()}
        for kind in COMPONENT_KINDS
        if kind in source
    }
    return {"openapi": spec["openapi"], "paths": paths, "components": components}


def render(data: Any, breaks: int) -> str:
    """Compact JSON with sorted keys; the first `breaks` object levels one entry a line (readable diffs)."""
    if breaks <= 0 or not isinstance(data, dict) or not data:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entries = [f"{json.dumps(key)}:{render(data[key], breaks - 1)}" for key in sorted(data)]
    return "{\n" + ",\n".join(entries) + "\n}"


def render_digest(document: dict[str, Any]) -> str:
    """The file's text: one line per path and per component."""
    levels = {"paths": 1, "components": 2}
    entries = [f"{json.dumps(key)}:{render(document[key], levels.get(key, 0))}" for key in sorted(document)]
    return "{\n" + ",\n".join(entries) + "\n}\n"


def generate(spec_path: Path) -> str:
    """The digest's text for the spec at `spec_path`."""
    return render_digest(digest(load_spec(spec_path)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="path to asana_oas.yaml")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed digest differs")
    args = parser.parse_args(argv)

    text = generate(args.spec)
    current = DIGEST_PATH.read_text("utf-8") if DIGEST_PATH.exists() else None
    if args.check:
        if current != text:
            print(f"stale: {DIGEST_PATH.relative_to(REPO_ROOT)}")
            return 1
        return 0
    if current != text:
        DIGEST_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DIGEST_PATH.relative_to(REPO_ROOT)} ({len(text.encode('utf-8')):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
