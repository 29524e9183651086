"""Write cases for custom fields, enum options and custom field settings of projects, portfolios, goals."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _workspace(store: Store) -> str:
    return store.all("workspace")[0]["gid"]


def _field(store: Store, kind: str = "enum") -> dict:
    return next(f for f in store.all("custom_field") if f["type"] == kind)


def _container(store: Store, kind: str) -> dict:
    return next(c for c in store.all(kind) if c.get("custom_field_settings"))


def _unused_field(store: Store, container: dict) -> str:
    """A field of the container's workspace that is not on it yet."""
    on = {store.get(s["gid"])["custom_field"]["gid"] for s in container["custom_field_settings"]}
    return next(f["gid"] for f in store.all("custom_field") if f["gid"] not in on)


def _used_field(store: Store, container: dict) -> str:
    return store.get(container["custom_field_settings"][0]["gid"])["custom_field"]["gid"]


def _settings_cases(kind: str) -> list[WriteCase]:
    base = f"/{kind}s/{{{kind}_gid}}"
    return [
        WriteCase(
            f"POST {base}/addCustomFieldSetting",
            lambda s: WriteRequest(
                f"/{kind}s/{(c := _container(s, kind))['gid']}/addCustomFieldSetting",
                {
                    "data": {
                        "custom_field": _unused_field(s, c),
                        "is_important": True,
                        "insert_before": c["custom_field_settings"][0]["gid"],
                    }
                },
            ),
        ),
        WriteCase(
            f"POST {base}/addCustomFieldSetting",
            lambda s: WriteRequest(
                f"/{kind}s/{(c := _container(s, kind))['gid']}/addCustomFieldSetting",
                {"data": {"custom_field": _used_field(s, c)}},
            ),
            400,
            "already on it",
        ),
        WriteCase(
            f"POST {base}/removeCustomFieldSetting",
            lambda s: WriteRequest(
                f"/{kind}s/{(c := _container(s, kind))['gid']}/removeCustomFieldSetting",
                {"data": {"custom_field": _used_field(s, c)}},
            ),
        ),
    ]


CASES = [
    WriteCase(
        "POST /custom_fields",
        lambda s: WriteRequest(
            "/custom_fields",
            {
                "data": {
                    "name": "Size",
                    "resource_subtype": "enum",
                    "workspace": _workspace(s),
                    "description": "T-shirt size of the work",
                    "enum_options": [{"name": "S", "color": "green"}, {"name": "L", "color": "red"}],
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /custom_fields",
        lambda s: WriteRequest(
            "/custom_fields",
            {
                "data": {
                    "name": "Cost",
                    "resource_subtype": "number",
                    "workspace": _workspace(s),
                    "precision": 2,
                    "format": "currency",
                    "currency_code": "USD",
                }
            },
        ),
        201,
        "number",
    ),
    WriteCase(
        "POST /custom_fields",
        lambda s: WriteRequest("/custom_fields", {"data": {"name": "Size", "resource_subtype": "text"}}),
        400,
        "no workspace",
    ),
    WriteCase(
        "PUT /custom_fields/{custom_field_gid}",
        lambda s: WriteRequest(
            f"/custom_fields/{_field(s, 'number')['gid']}",
            {"data": {"workspace": _workspace(s), "name": "Effort points", "precision": 1}},
        ),
    ),
    WriteCase(
        "DELETE /custom_fields/{custom_field_gid}",
        lambda s: WriteRequest(f"/custom_fields/{_field(s)['gid']}"),
    ),
    WriteCase(
        "DELETE /custom_fields/{custom_field_gid}",
        lambda s: WriteRequest("/custom_fields/1"),
        404,
        "unknown",
    ),
    WriteCase(
        "POST /custom_fields/{custom_field_gid}/enum_options",
        lambda s: WriteRequest(
            f"/custom_fields/{(f := _field(s))['gid']}/enum_options",
            {"data": {"name": "Urgent", "color": "red", "insert_before": f["enum_options"][0]["gid"]}},
        ),
        201,
    ),
    WriteCase(
        "POST /custom_fields/{custom_field_gid}/enum_options",
        lambda s: WriteRequest(
            f"/custom_fields/{_field(s, 'text')['gid']}/enum_options", {"data": {"name": "Urgent"}}
        ),
        400,
        "not an enum field",
    ),
    WriteCase(
        "POST /custom_fields/{custom_field_gid}/enum_options/insert",
        lambda s: WriteRequest(
            f"/custom_fields/{(f := _field(s))['gid']}/enum_options/insert",
            {
                "data": {
                    "enum_option": f["enum_options"][-1]["gid"],
                    "before_enum_option": f["enum_options"][0]["gid"],
                }
            },
        ),
    ),
    WriteCase(
        "PUT /enum_options/{enum_option_gid}",
        lambda s: WriteRequest(
            f"/enum_options/{_field(s)['enum_options'][0]['gid']}",
            {"data": {"name": "Lowest", "color": "blue", "enabled": False}},
        ),
    ),
    WriteCase(
        "PUT /enum_options/{enum_option_gid}",
        lambda s: WriteRequest("/enum_options/1", {"data": {"name": "Lowest"}}),
        404,
        "unknown",
    ),
    *_settings_cases("project"),
    *_settings_cases("portfolio"),
    *_settings_cases("goal"),
]
