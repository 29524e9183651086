#!/usr/bin/env python3
"""Generate the tap's stream JSON Schemas and the sandbox field table from Asana's OpenAPI spec.

Outputs (committed to the repo, so neither the tap nor the sandbox reads the spec at runtime):

* ``schemas/<stream>.json`` -- one nullable, depth-limited JSON Schema per tap stream.
* ``asana_sandbox/resource_fields.json`` -- per ``resource_type``: compact and full field lists.

Usage::

    python scripts/generate_schemas.py            # (re)write the outputs
    python scripts/generate_schemas.py --check    # exit 1 if committed outputs are stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "reference" / "asana_oas.yaml"
SCHEMAS_DIR = REPO_ROOT / "schemas"
RESOURCE_FIELDS_PATH = REPO_ROOT / "asana_sandbox" / "resource_fields.json"

# stream name -> (component schema of a record, resource_type it describes or None).
# All names were verified to exist in components/schemas of the official spec. Notes:
# * time_tracking_entries: there is no TimeTrackingEntryResponse; GET /time_tracking_entries/{gid}
#   returns TimeTrackingEntryBase (= TimeTrackingEntryCompact + full fields), so that is the full schema.
# * portfolio_items: the items endpoint returns compact projects (and portfolios), hence ProjectCompact;
#   its resource_type ("project") is described by the projects stream, so it has no table entry here.
# * events: events are not addressable resources (no resource_type of their own).
STREAMS: dict[str, tuple[str, str | None]] = {
    "workspaces": ("WorkspaceResponse", "workspace"),
    "users": ("UserResponse", "user"),
    "workspace_memberships": ("WorkspaceMembershipResponse", "workspace_membership"),
    "teams": ("TeamResponse", "team"),
    "team_memberships": ("TeamMembershipResponse", "team_membership"),
    "projects": ("ProjectResponse", "project"),
    "project_memberships": ("ProjectMembershipNormalResponse", "project_membership"),
    "memberships": ("MembershipResponse", "membership"),
    "sections": ("SectionResponse", "section"),
    "tasks": ("TaskResponse", "task"),
    "stories": ("StoryResponse", "story"),
    "attachments": ("AttachmentResponse", "attachment"),
    "tags": ("TagResponse", "tag"),
    "custom_fields": ("CustomFieldResponse", "custom_field"),
    "custom_field_settings": ("CustomFieldSettingResponse", "custom_field_setting"),
    "custom_types": ("CustomTypeResponse", "custom_type"),
    "portfolios": ("PortfolioResponse", "portfolio"),
    "portfolio_items": ("ProjectCompact", None),
    "portfolio_memberships": ("PortfolioMembershipResponse", "portfolio_membership"),
    "goals": ("GoalResponse", "goal"),
    "goal_relationships": ("GoalRelationshipResponse", "goal_relationship"),
    "time_periods": ("TimePeriodResponse", "time_period"),
    "time_tracking_entries": ("TimeTrackingEntryBase", "time_tracking_entry"),
    "project_statuses": ("ProjectStatusResponse", "project_status"),
    "status_updates": ("StatusUpdateResponse", "status_update"),
    "project_briefs": ("ProjectBriefResponse", "project_brief"),
    "project_templates": ("ProjectTemplateResponse", "project_template"),
    "task_templates": ("TaskTemplateResponse", "task_template"),
    "user_task_lists": ("UserTaskListResponse", "user_task_list"),
    "allocations": ("AllocationResponse", "allocation"),
    "access_requests": ("AccessRequestResponse", "access_request"),
    "webhooks": ("WebhookResponse", "webhook"),
    "audit_log_events": ("AuditLogEvent", "audit_log_event"),
    "agents": ("AgentResponse", "agent"),
    "budgets": ("BudgetResponse", "budget"),
    "ooo_entries": ("OooEntryResponse", "ooo_entry"),
    "project_portfolio_settings": ("ProjectPortfolioSettingResponse", "project_portfolio_setting"),
    "rates": ("RateResponse", "rate"),
    "roles": ("RbacRoleResponse", "role"),
    "time_tracking_categories": ("TimeTrackingCategoryResponse", "time_tracking_category"),
    "timesheet_approval_statuses": ("TimesheetApprovalStatusResponse", "timesheet_approval_status"),
    "events": ("EventResponse", None),
}

# Objects the sandbox serves that are not streams (the results of actions): fields for its projection only.
SANDBOX_ONLY: dict[str, str] = {
    "job": "JobResponse",
    "organization_export": "OrganizationExportResponse",
}

# Compact schemas whose name does not follow <Name>Compact.
COMPACT_SCHEMAS: dict[str, str] = {"role": "RbacRoleCompact"}

# Resource types without a <Name>Compact schema in the spec (allocation, access_request,
# audit_log_event) fall back to this list intersected with the full field list.
FALLBACK_COMPACT = ("gid", "resource_type", "name")

MAX_DEPTH = 3  # object nesting levels rendered with properties; top-level properties are level 1
ANY_TYPE = ["string", "number", "integer", "boolean", "object", "array", "null"]
KEPT_FORMATS = {"date-time", "date"}
MAX_DESCRIPTION = 200
REF_PREFIX = "#/components/schemas/"


def load_spec(path: Path) -> dict[str, Any]:
    """Load the OpenAPI YAML, using the C loader when available (5x faster on a 3 MB spec)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # safe loaders only


class SpecResolver:
    """Flattens `$ref`/`allOf`/`oneOf`/`anyOf` in component schemas into plain object schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.components: dict[str, Any] = spec["components"]["schemas"]

    def ref_name(self, ref: str) -> str:
        if not ref.startswith(REF_PREFIX):
            raise ValueError(f"unsupported $ref {ref!r}")
        return ref[len(REF_PREFIX) :]

    def flatten(self, schema: dict[str, Any], stack: tuple[str, ...] = ()) -> dict[str, Any]:
        """Return `schema` with its own `$ref`/composition merged into one level.

        Property sub-schemas are left raw (resolved lazily) so recursive specs terminate.
        """
        result: dict[str, Any] = {}
        if "$ref" in schema:
            name = self.ref_name(schema["$ref"])
            if name in stack:  # composition cycle: nothing more to merge
                return {"type": "object"}
            result = self.flatten(self.components[name], (*stack, name))
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key, []):
                result = merge(result, self.flatten(part, stack))
        own = {k: v for k, v in schema.items() if k not in ("$ref", "allOf", "oneOf", "anyOf")}
        # Sibling keys of a $ref (e.g. a property-specific description) override the target's.
        return merge(result, own)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge two flattened schemas: properties unioned in order (first position wins), types unioned."""
    out = dict(base)
    for key, value in extra.items():
        if key == "properties" and "properties" in out:
            props = dict(out["properties"])
            for name, sub in value.items():
                # A later redefinition of a property (e.g. Response refining Base) is combined with the
                # earlier one, so neither its nested properties nor its description are lost.
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            out["properties"] = props
        elif key == "type" and "type" in out and out["type"] != value:
            out["type"] = sorted(set(as_list(out["type"])) | set(as_list(value)))
        else:
            out[key] = value
    return out


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def own_description(raw: dict[str, Any]) -> str | None:
    """Description written on the property itself (or an inline allOf part), not inherited from a $ref.

    Component-level descriptions ("A generic Asana Resource...") say nothing about the property.
    """
    desc = raw.get("description")
    for part in raw.get("allOf", []):
        if "$ref" not in part and part.get("description"):
            desc = part["description"]
    return desc


OPT_IN_RE = re.compile(r"^\s*\[Opt In\]\([^)]*\)\.?\s*", re.IGNORECASE)
# Leading "*Conditional*." / "*Deprecated - please use likes instead*" style tags. Tags that are a full
# sentence themselves ("*Deprecated: Refer to ...*") end in punctuation and are left to the splitter.
TAG_PREFIX_RE = re.compile(r"^\s*\*([^*.:]{1,60}?)\*[.:]?\s+")
# Scope notices ("<p><strong>Full object requires scope: </strong>...</p>") precede the real text.
SCOPE_NOTICE_RE = re.compile(r"^\s*<p>.*?</p>\s*", re.DOTALL)


def short_description(text: str) -> str:
    """First sentence, markdown stripped, at most MAX_DESCRIPTION chars."""
    text = SCOPE_NOTICE_RE.sub("", text)
    prefix = ""
    if OPT_IN_RE.match(text):
        # "[Opt In](...). The project..." -- the marker alone would be the whole first sentence.
        prefix, text = "Opt in: ", OPT_IN_RE.sub("", text)
    tags = []
    while match := TAG_PREFIX_RE.match(text):  # tags can stack: "*Deprecated ...* *Conditional*."
        tags.append(match.group(1).strip())
        text = text[match.end() :]
    if tags:
        prefix += ", ".join(tags) + ": "
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links/images -> their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"(\*\*|__|\*|`)", "", text)  # emphasis / code markers
    text = " ".join(text.split())
    # Split on sentence ends, but not inside common abbreviations.
    guarded = re.sub(r"\b(e\.g|i\.e|etc|vs)\.", lambda m: m.group(0).replace(".", "\0"), text)
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", guarded, maxsplit=1)[0].replace("\0", ".")
    first = prefix + first.strip()
    if len(first) > MAX_DESCRIPTION:
        cut = first[: MAX_DESCRIPTION - 3].rsplit(" ", 1)[0]
        first = cut.rstrip(",;:") + "..."
    return first


def nullable(types: Iterable[str]) -> list[str]:
    out = [t for t in types if t != "null"]
    return [*out, "null"]


class SchemaBuilder:
    """Converts flattened spec schemas into the tap's nullable JSON Schemas."""

    def __init__(self, resolver: SpecResolver) -> None:
        self.resolver = resolver
        self.untyped: list[str] = []  # property paths with no type in the spec (reported by main)

    def stream_schema(self, component: str) -> dict[str, Any]:
        flat = self.resolver.flatten({"$ref": REF_PREFIX + component})
        props = self.properties(flat, level=1, path=component, ancestors=(component,))
        # Every record must be keyable: gid is a non-null string and resource_type is always declared.
        # The spec gives EventResponse neither and AuditLogEvent no resource_type, so the stream code
        # must supply (events) or tolerate (null resource_type) them.
        props["gid"] = {"type": "string"}
        props.setdefault("resource_type", {"type": ["string", "null"]})
        # gid, resource_type first (as in the spec's own schemas), then spec order.
        return {"type": "object", "properties": {k: props[k] for k in ["gid", "resource_type", *props]}}

    def properties(
        self, flat: dict[str, Any], level: int, path: str, ancestors: tuple[str, ...]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, raw in flat.get("properties", {}).items():
            out[name] = self.convert(raw, level, f"{path}.{name}", ancestors)
            if level == 1:
                desc = own_description(raw)
                if desc:
                    out[name]["description"] = short_description(desc)
        return out

    def convert(
        self, raw: dict[str, Any], level: int, path: str, ancestors: tuple[str, ...]
    ) -> dict[str, Any]:
        """Convert one (raw) property schema found at nesting `level`."""
        direct_ref = self.direct_ref(raw)
        recursive = direct_ref is not None and direct_ref in ancestors
        if direct_ref is not None:
            ancestors = (*ancestors, direct_ref)
        flat = self.resolver.flatten(raw)
        types = [t for t in as_list(flat["type"]) if t != "null"] if "type" in flat else []
        if not types:
            if "properties" in flat or "additionalProperties" in flat:
                types = ["object"]
            elif "items" in flat:
                types = ["array"]
            else:
                self.untyped.append(path)
                return {"type": list(ANY_TYPE)}
        out: dict[str, Any] = {"type": nullable(types)}
        if "string" in types and flat.get("format") in KEPT_FORMATS:
            out["format"] = flat["format"]
        if "object" in types and flat.get("properties") and not recursive and level < MAX_DEPTH:
            out["properties"] = self.properties(flat, level + 1, path, ancestors)
        if "array" in types and "items" in flat:  # no items in the spec: leave items generic
            # Items sit at the nesting level of the array itself; convert() applies the depth limit
            # and cycle check to them (a recursive or too-deep object item becomes a generic object).
            out["items"] = self.convert(flat["items"], level, f"{path}[]", ancestors)
        return out

    def direct_ref(self, raw: dict[str, Any]) -> str | None:
        """Component a property points at (directly or as the first allOf part), for cycle detection."""
        if "$ref" in raw:
            return self.resolver.ref_name(raw["$ref"])
        for part in raw.get("allOf", []):
            if "$ref" in part:
                return self.resolver.ref_name(part["$ref"])
        return None


# Nulls Asana documents although the schema omits `nullable`: a new webhook's failure and success fields
# (the createWebhook answer in Asana's docs shows them null).
DOCUMENTED_NULLS = {
    "webhook": {"last_failure_at", "last_success_at", "last_failure_content"},
}


def not_nullable_paths(resolver: SpecResolver, full: dict[str, Any], depth: int = 2) -> list[str]:
    """Dotted paths (two levels deep) of properties the spec does not mark `nullable`.

    The sandbox leaves such a field out, rather than answering null, when an object has no value for it
    (e.g. a story's `old_name` on a comment), so its answers stay valid against the spec.
    """
    paths: list[str] = []

    def walk(flat: dict[str, Any], prefix: str, level: int) -> None:
        for name, raw in flat.get("properties", {}).items():
            sub = resolver.flatten(raw)
            if not sub.get("nullable"):
                paths.append(prefix + name)
            if level < depth:
                items = resolver.flatten(sub["items"]) if "items" in sub else sub
                walk(items, f"{prefix}{name}.", level + 1)

    walk(full, "", 1)
    return paths


def field_table(resolver: SpecResolver) -> dict[str, Any]:
    """Per resource_type: compact (default) fields and all fields, for the sandbox's projection."""
    table: dict[str, Any] = {}
    resources = [(c, r) for c, r in STREAMS.values() if r is not None]
    resources += [(c, r) for r, c in SANDBOX_ONLY.items()]
    for component, resource_type in resources:
        full = resolver.flatten({"$ref": REF_PREFIX + component})
        fields = list(full.get("properties", {}))
        # A get-one answer carries every field but the "[Opt In]" ones.
        default = [
            name
            for name, raw in full.get("properties", {}).items()
            if not (own_description(raw) or "").lstrip().startswith("[Opt In]")
        ]
        camel = "".join(word.capitalize() for word in resource_type.split("_"))
        compact_name: str | None = COMPACT_SCHEMAS.get(resource_type, f"{camel}Compact")
        if compact_name in resolver.components:
            compact_flat = resolver.flatten({"$ref": REF_PREFIX + compact_name})
            compact = [
                name
                for name, raw in compact_flat.get("properties", {}).items()
                # "[Opt In]" fields are only returned when requested via opt_fields.
                if not (own_description(raw) or "").lstrip().startswith("[Opt In]")
            ]
        else:
            compact_name = None
            compact = [f for f in FALLBACK_COMPACT if f in fields]
        table[resource_type] = {
            "compact": compact,
            "fields": fields,
            "default": default,
            "not_nullable": [
                path
                for path in not_nullable_paths(resolver, full)
                if path not in DOCUMENTED_NULLS.get(resource_type, ())
            ],
            "compact_schema": compact_name,
            "schema": component,
        }
    return table


def render(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def generate(spec_path: Path) -> tuple[dict[Path, str], list[str]]:
    """Return {output path: file text} and the list of untyped property paths."""
    resolver = SpecResolver(load_spec(spec_path))
    missing = [c for c, _ in STREAMS.values() if c not in resolver.components]
    if missing:
        raise SystemExit(f"component schemas missing from spec: {missing}")
    builder = SchemaBuilder(resolver)
    outputs = {
        SCHEMAS_DIR / f"{stream}.json": render(builder.stream_schema(component))
        for stream, (component, _) in STREAMS.items()
    }
    outputs[RESOURCE_FIELDS_PATH] = render(field_table(resolver))
    return outputs, builder.untyped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="path to asana_oas.yaml")
    parser.add_argument("--check", action="store_true", help="exit 1 if committed outputs differ")
    parser.add_argument("-v", "--verbose", action="store_true", help="list untyped spec properties")
    args = parser.parse_args(argv)

    outputs, untyped = generate(args.spec)
    if args.verbose and untyped:
        print("properties with no type in the spec:", *sorted(set(untyped)), sep="\n  ")

    if args.check:
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text("utf-8") != text]
        extra = sorted(set(SCHEMAS_DIR.glob("*.json")) - set(outputs))
        for path in extra:  # not fatal: the file may be hand-written by someone else
            print(f"note: {path.relative_to(REPO_ROOT)} is not generated by this script")
        for path in stale:
            print(f"stale: {path.relative_to(REPO_ROOT)}")
        return 1 if stale else 0

    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in outputs.items():
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, encoding="utf-8")
    print(f"wrote {len(outputs)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
