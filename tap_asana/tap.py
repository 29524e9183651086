"""TapAsana: settings, the shared authenticator and rate limiter, and the stream list."""

from __future__ import annotations

import io
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import Any

import click
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_asana.auth import DEFAULT_API_URL, AsanaAuthError, build_authenticator
from tap_asana.errors import RetriesExhaustedError
from tap_asana.logs import quiet_routine_sdk_warnings
from tap_asana.streams import STREAM_TYPES
from tap_asana.throttle import RateLimiter


class TapAsana(Tap):
    """Singer tap for Asana."""

    name = "tap-asana"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "access_token",
            th.StringType,
            secret=True,
            description="Personal Access Token (or service account token). Use this, or the OAuth settings.",
        ),
        th.Property("client_id", th.StringType, description="OAuth app client id (with a refresh token)."),
        th.Property("client_secret", th.StringType, secret=True, description="OAuth app client secret."),
        th.Property(
            "refresh_token",
            th.StringType,
            secret=True,
            description="OAuth refresh token; access tokens are refreshed before expiry and after a 401.",
        ),
        th.Property("redirect_uri", th.StringType, description="OAuth redirect URI, if the app requires it."),
        th.Property(
            "oauth_token_url",
            th.StringType,
            description="OAuth token endpoint. Default: `/-/oauth_token` on the host of `api_url`.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="Earliest `modified_at` of tasks (and `created_at` of status updates, audit "
            "events) to extract on the first run.",
        ),
        th.Property(
            "workspaces",
            th.ArrayType(th.StringType),
            description="Only these workspaces (gids or names). Default: every workspace the token sees.",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            description="Base URL of the Asana API (the sandbox's URL for demos and tests).",
        ),
        th.Property(
            "requests_per_minute",
            th.IntegerType,
            default=150,
            description="Client-side budget shared by all streams (Asana: 150/min free, 1500/min paid).",
        ),
        th.Property(
            "max_concurrent_requests",
            th.IntegerType,
            default=10,
            description="Requests in flight at once (Asana allows 50 concurrent reads per token).",
        ),
        th.Property("request_timeout", th.IntegerType, default=60, description="Seconds per HTTP request."),
        th.Property(
            "page_size",
            th.IntegerType,
            default=100,
            description="`limit` of each list call (Asana's maximum, 100, unless testing pagination).",
        ),
        th.Property(
            "max_retries",
            th.IntegerType,
            default=8,
            description="Tries per request on 429, 5xx, timeouts and dropped connections before failing.",
        ),
        th.Property(
            "backoff_base_seconds",
            th.NumberType,
            default=1.0,
            description="First wait of the exponential backoff (5xx, network errors); doubles per try.",
        ),
        th.Property(
            "backoff_max_seconds",
            th.NumberType,
            default=60.0,
            description="Longest single backoff wait (429s wait exactly `Retry-After` instead).",
        ),
    ).to_dict()

    @cached_property
    def authenticator(self) -> Any:
        """One authenticator per tap, so OAuth refreshes once for every stream."""
        return build_authenticator(self.config)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """One limiter per tap instance: Asana's limits are per token, shared by every stream."""
        return RateLimiter(
            int(self.config.get("requests_per_minute") or 150),
            int(self.config.get("max_concurrent_requests") or 10),
        )

    @cached_property
    def executor(self) -> ThreadPoolExecutor:
        """Workers that fetch the children of a page of tasks while the main thread emits them."""
        return ThreadPoolExecutor(
            max_workers=int(self.config.get("max_concurrent_requests") or 10), thread_name_prefix="tap-asana"
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        quiet_routine_sdk_warnings()
        super().__init__(*args, **kwargs)

    def discover_streams(self) -> list:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    def load_streams(self) -> list:
        """The SDK links each child to one parent type; also hang streams under their other parents."""
        streams = super().load_streams()
        by_name = {stream.name: stream for stream in streams}
        for stream in streams:
            for parent_name in getattr(getattr(stream, "spec", None), "other_parents", ()):
                by_name[parent_name].child_streams.append(stream)
        return streams

    def sync_all(self) -> None:
        """Check that the credentials are complete before any stream starts (no request needed)."""
        _ = self.authenticator  # raises AsanaAuthError naming the missing settings
        super().sync_all()

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """A missing or malformed `--config` file is a usage error naming the file (exit 2)."""
        for path in value:
            if path == "ENV":
                continue
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise click.BadParameter(f"cannot read {path}: {exc.strerror or exc}") from None
            _require_json(text, path, "--config")
        return super().cb_config(ctx, param, value)

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Bad input files, credential and give-up errors end the run with one line that says what to fix."""
        for option in ("state", "catalog"):
            if (handle := kwargs.get(option)) is not None:
                text = handle.read()
                _require_json(text, getattr(handle, "name", option), f"--{option}")
                kwargs[option] = io.StringIO(text)  # the SDK reads it again
        try:
            super().invoke(*args, **kwargs)
        except (AsanaAuthError, RetriesExhaustedError) as exc:
            cls.logger.error("%s", exc)  # one line; a traceback adds nothing for the user
            sys.exit(1)


def _require_json(text: str, name: str, option: str) -> None:
    """A usage error (exit 2, one line naming the option and the file) unless `text` is JSON."""
    try:
        json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"{name} is not valid JSON: {exc}", param_hint=f"'{option}'") from None


if __name__ == "__main__":
    TapAsana.cli()
