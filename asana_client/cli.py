"""Command-line checks tap-asana and target-asana share: input files that must be JSON, and config errors
that never quote a secret."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click
from singer_sdk.exceptions import ConfigValidationError

#: The SDK's config error ends with where it is: `... in config['client_secret']['x']`.
_WHERE = re.compile(r" in config\[(?P<key>'[^']*')\](?P<rest>.*)$")


def require_json(text: str, name: str, option: str) -> None:
    """A usage error (exit 2, one line naming the option and the file) unless `text` is JSON."""
    try:
        json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"{name} is not valid JSON: {exc}", param_hint=f"'{option}'") from None


def check_config_files(paths: Iterable[str]) -> None:
    """Each `--config` file (but `ENV`) can be read and is JSON; else a usage error naming the file."""
    for path in paths:
        if path == "ENV":
            continue
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(f"cannot read {path}: {exc.strerror or exc}") from None
        require_json(text, path, "--config")


def secret_settings(schema: Mapping[str, Any] | None) -> set[str]:
    """The settings a config schema marks secret (`secret: true`, as `th.Property(secret=True)` does)."""
    properties = (schema or {}).get("properties") or {}
    return {name for name, spec in properties.items() if isinstance(spec, Mapping) and spec.get("secret")}


def without_secrets(exc: ConfigValidationError) -> ConfigValidationError:
    """The same error, but each message about a secret setting (or the config as a whole) no longer
    quotes its value: the SDK's message starts with the offending value, e.g. `12345 is not of type ...`."""
    secrets = secret_settings(exc.schema)
    errors = []
    for error in exc.errors:
        where = _WHERE.search(error)
        if where is None:
            errors.append("the config does not match the settings' schema (its values are not shown)")
        elif where["key"].strip("'") in secrets:
            key = where["key"].strip("'")
            expected = ((exc.schema or {}).get("properties", {}).get(key) or {}).get("type")
            kind = expected[0] if isinstance(expected, list) and expected else expected or "string"
            errors.append(
                f"config[{where['key']}]{where['rest']} must be of type {kind!r} "
                "(the value is not shown: it is a secret)"
            )
        else:
            errors.append(error)
    return ConfigValidationError(str(exc), errors=errors, schema=exc.schema)
