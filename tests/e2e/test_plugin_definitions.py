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
            assert "namespace" in plugin and "pip_url" in plugin, plugin["name"]
            assert "git+" not in plugin["pip_url"] and "github" not in plugin["pip_url"], plugin["name"]
