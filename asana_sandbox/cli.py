"""`asana-sandbox`: serve the local Asana API emulation."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import sys
from datetime import datetime
from typing import NoReturn

import click

from asana_sandbox.datasets import UnknownDatasetError
from asana_sandbox.oauth import (
    AUTHORIZE_REDIRECT_URI,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_TOKEN,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A local, stateful emulation of the Asana REST API v1.0."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any).")
@click.option(
    "--dataset", default="demo", show_default=True, help="demo, bench, or a path to a JSON file of records."
)
@click.option("--seed", default=42, show_default=True, type=int, help="Seed of the generated dataset.")
@click.option(
    "--reference-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day a built-in dataset's dates lead up to, YYYY-MM-DD [default: today in UTC].",
)
@click.option(
    "--requests-per-minute",
    type=click.IntRange(1),
    default=None,
    help="Per-token budget [default: 150 on a free workspace, 1500 on a paid one].",
)
@click.option(
    "--tier",
    type=click.Choice(["free", "premium", "enterprise"]),
    default=None,
    help="Treat every workspace as this tier [default: each workspace's own tier from the dataset].",
)
@click.option("--token", default=DEFAULT_TOKEN, show_default=True, help="Personal Access Token accepted.")
@click.option(
    "--oauth-redirect-uri",
    "oauth_redirect_uris",
    multiple=True,
    help="Register one more redirect URL for the OAuth app (repeatable); "
    f"{DEFAULT_REDIRECT_URI} and {AUTHORIZE_REDIRECT_URI} are registered already.",
)
@click.option(
    "--allow-loopback-webhooks",
    is_flag=True,
    help="Sandbox only: accept webhook targets on localhost/127.0.0.1 (Asana answers 403 for them).",
)
@click.option(
    "--control-token",
    envvar="ASANA_SANDBOX_CONTROL_TOKEN",
    default=None,
    help="Secret the control endpoints (/_sandbox/...) require in X-Sandbox-Control-Token; needed when "
    "--host is not a loopback address. Without it they answer loopback clients only.",
)
@click.option(
    "--webhook-timeout",
    type=click.FloatRange(0, 60, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds a webhook target has to answer a handshake or a delivery.",
)
def serve(
    host: str,
    port: int,
    dataset: str,
    seed: int,
    reference_date: datetime | None,
    requests_per_minute: int | None,
    tier: str | None,
    token: str,
    oauth_redirect_uris: tuple[str, ...],
    allow_loopback_webhooks: bool,
    control_token: str | None,
    webhook_timeout: float,
) -> None:
    """Serve the API until interrupted."""
    from asana_sandbox.server import SandboxServer

    if control_token is None and not _loopback_host(host):
        raise click.UsageError(
            f"--host {host} lets other machines reach the control endpoints, which rewrite the data: "
            "set --control-token (or ASANA_SANDBOX_CONTROL_TOKEN), or bind to 127.0.0.1"
        )

    try:
        server = SandboxServer(
            dataset,
            host=host,
            port=port,
            seed=seed,
            reference_date=reference_date.date() if reference_date else None,
            tier=tier,
            requests_per_minute=requests_per_minute,
            token=token,
            oauth_redirect_uris=oauth_redirect_uris,
            allow_loopback_webhooks=allow_loopback_webhooks,
            webhook_timeout=webhook_timeout,
            control_token=control_token,
        )
    except UnknownDatasetError as error:
        _fail(str(error))
    except ValueError as error:  # a dataset file the sandbox cannot serve: no user, duplicate gids...
        _fail(f"cannot serve dataset {dataset!r}: {error}")
    except OSError as error:
        hint = " Choose another --port." if error.errno == errno.EADDRINUSE else ""
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}.{hint}")
    counts = server.store.counts()
    click.echo(f"Asana sandbox serving dataset {dataset!r} (seed {seed}): {counts.get('task', 0)} tasks")
    click.echo(f"base URL:      {server.base_url}")
    click.echo(f"token (PAT):   {token}")
    click.echo(
        f"OAuth client:  {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET}, refresh token {DEFAULT_REFRESH_TOKEN}"
    )
    click.echo(f"rate limit:    {server.app.limits.settings.requests_per_minute} requests/minute per token")
    click.echo("Press Ctrl+C to stop.", err=True)
    if allow_loopback_webhooks:
        click.echo("webhooks:      loopback targets allowed (sandbox only; Asana refuses them with 403)")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.webhooks.stop()


def run() -> None:
    """Console entry point: usage errors are one line and exit code 2, never a traceback."""
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.exceptions.NoArgsIsHelpError:
        _fail("no command given; run 'asana-sandbox serve' (see 'asana-sandbox --help')")
    except click.ClickException as error:
        _fail(error.format_message())


def _fail(message: str) -> NoReturn:
    click.echo(f"asana-sandbox: error: {message}", err=True)
    sys.exit(2)


def _loopback_host(host: str) -> bool:
    """Whether `host` names only this machine (localhost, 127.x, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
