"""meltano.yml and the Hub file agree with `tap-asana --about`, and need neither the Hub nor GitHub."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# SDK built-ins meltano.yml may leave out (the Hub file lists them all).
OPTIONAL_IN_MELTANO_YML = {
    "faker_config",
    "flattening_max_key_length",
    "flattening_separator",
    "batch_config",
}


@pytest.fixture(scope="module")
def about() -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tap_asana", "--about", "--format", "json"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout  # fmt: skip
    return json.loads(out)


def tap_definitions() -> dict[str, dict]:
    meltano = yaml.safe_load((REPO / "meltano.yml").read_text())
    return {
        "meltano.yml": next(p for p in meltano["plugins"]["extractors"] if p["name"] == "tap-asana"),
        "hub/tap-asana.yml": yaml.safe_load((REPO / "hub" / "tap-asana.yml").read_text()),
    }


@pytest.mark.parametrize("where", ["meltano.yml", "hub/tap-asana.yml"])
def test_settings_match_the_tap(about, where):
    definition = tap_definitions()[where]
    declared = {s["name"]: s for s in definition["settings"]}
    properties = about["settings"]["properties"]
    wanted = set(properties) - (OPTIONAL_IN_MELTANO_YML if where == "meltano.yml" else set())
    assert wanted <= set(declared), f"settings missing from {where}: {sorted(wanted - set(declared))}"
    for name, prop in properties.items():
        if name in declared:
            assert bool(declared[name].get("sensitive")) == bool(prop.get("secret")), name
            if "default" in prop and "value" in declared[name]:
                assert declared[name]["value"] == prop["default"], name
    assert set(declared) - set(properties) <= {"emit_activate_version_messages"}
    assert set(definition["capabilities"]) == set(about["capabilities"])
    groups = {tuple(g) for g in definition["settings_group_validation"]}
    assert groups == {("access_token",), ("client_id", "client_secret", "refresh_token")}


def test_every_plugin_installs_from_pypi_alone():
    """No `variant:` (Meltano would fetch the definition from the Hub) and no git URLs (GitHub)."""
    meltano = yaml.safe_load((REPO / "meltano.yml").read_text())
    for kind, plugins in meltano["plugins"].items():
        for plugin in plugins:
            assert "variant" not in plugin, f"{kind} {plugin['name']} has a variant"
            if "inherit_from" in plugin:  # installs as the plugin it inherits from
                continue
            assert "namespace" in plugin and "pip_url" in plugin, plugin["name"]
            assert "git+" not in plugin["pip_url"] and "github" not in plugin["pip_url"], plugin["name"]


# -- target-asana ------------------------------------------------------------------------------------
# Setting kinds that fit each JSON type of `--about` (an enum must be `options` with the same values).
KINDS = {
    "string": {"string", "options"},
    "integer": {"integer"},
    "number": {"decimal"},
    "boolean": {"boolean"},
    "object": {"object"},
    "array": {"array"},
}
# The SDK's own settings: a declared `value` is optional (the target's own defaults must be declared).
SDK_TARGET_SETTINGS = {
    "add_record_metadata",
    "load_method",
    "batch_size_rows",
    "validate_records",
    "stream_maps",
    "stream_map_config",
    "faker_config",
    "flattening_enabled",
    "flattening_max_depth",
    "flattening_max_key_length",
    "flattening_separator",
}


@pytest.fixture(scope="module")
def target_about() -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "target_asana", "--about", "--format", "json"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout  # fmt: skip
    return json.loads(out)


def meltano_yml() -> dict:
    return yaml.safe_load((REPO / "meltano.yml").read_text())


def target_definitions() -> dict[str, dict]:
    return {
        "meltano.yml": next(p for p in meltano_yml()["plugins"]["loaders"] if p["name"] == "target-asana"),
        "hub/target-asana.yml": yaml.safe_load((REPO / "hub" / "target-asana.yml").read_text()),
    }


@pytest.mark.parametrize("where", ["meltano.yml", "hub/target-asana.yml"])
def test_settings_match_the_target(target_about, where):
    """Every setting of `target-asana --about`, and no other, with a fitting kind, label and description."""
    definition = target_definitions()[where]
    declared = {s["name"]: s for s in definition["settings"]}
    properties = target_about["settings"]["properties"]
    assert set(declared) == set(properties), (
        f"{where} differs from --about: {sorted(set(declared) ^ set(properties))}"
    )
    for name, prop in properties.items():
        setting = declared[name]
        assert setting.get("label") and setting.get("description"), f"{name}: label and description"
        assert bool(setting.get("sensitive")) == bool(prop.get("secret")), name
        json_type = next(t for t in prop["type"] if t != "null")
        assert setting["kind"] in KINDS[json_type], f"{name}: kind {setting['kind']} for {json_type}"
        if "enum" in prop:
            assert setting["kind"] == "options", name
            assert [o["value"] for o in setting["options"]] == prop["enum"], name
        if "default" in prop and name not in SDK_TARGET_SETTINGS:
            assert "value" in setting, f"{name}: the default {prop['default']!r} is not declared"
        if "value" in setting:
            assert setting["value"] == prop.get("default"), name
    assert set(definition["capabilities"]) == set(target_about["capabilities"])
    groups = {tuple(g) for g in definition["settings_group_validation"]}
    assert groups == {("access_token",), ("client_id", "client_secret", "refresh_token")}


def test_target_config_in_meltano_yml_names_declared_settings():
    """The config given to target-asana (the plugin's and each environment's) uses only its settings."""
    meltano = meltano_yml()
    plugin = target_definitions()["meltano.yml"]
    declared = {s["name"] for s in plugin["settings"]}
    configs = {"plugin": plugin.get("config") or {}}
    for environment in meltano["environments"]:
        for loader in (environment.get("config") or {}).get("plugins", {}).get("loaders", []):
            if loader["name"] == "target-asana":
                configs[environment["name"]] = loader.get("config") or {}
    assert configs.get("sandbox"), "the sandbox environment configures no target-asana"
    for where, config in configs.items():
        assert set(config) <= declared, f"{where}: unknown settings {sorted(set(config) - declared)}"
