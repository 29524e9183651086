"""`asana-webhooks`: run the receiver, and create, list and delete webhooks with the tap's config.

Bad input ends in one line and exit 2; a refused or failed API call in one line and exit 1. No command
prints a secret: neither a handshake secret nor a credential of the config.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
import requests
from singer_sdk.exceptions import FatalAPIError

from asana_client.cli import check_config_files
from asana_client.client import AsanaClient
from asana_client.errors import AsanaAuthError, NotFoundError
from asana_client.settings import api_url_problem
from asana_webhooks.queue import EventQueue, QueueError
from asana_webhooks.receiver import DEFAULT_MAX_BODY_BYTES, Receiver, ReceiverServer
from asana_webhooks.secrets import SecretStore, SecretStoreError, default_secrets_path, new_token

#: Actions an Asana webhook filter may name (`WebhookFilter.action`).
FILTER_ACTIONS = ("changed", "added", "removed", "deleted", "undeleted")
#: Fields `list` asks for (the compact webhook has no delivery status).
LIST_FIELDS = (
    "active,resource,resource.name,resource.resource_type,target,created_at,last_success_at,"
    "last_failure_at,last_failure_content,delivery_retry_count,filters"
)

logger = logging.getLogger("asana_webhooks")


class Failure(click.ClickException):
    """A failure that is not a usage error: one line, exit 1."""

    exit_code = 1


# -- options ----------------------------------------------------------------------------------------
def _config_option(required: bool) -> Any:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        required=required,
        help="tap-asana's config file (JSON): api_url, credentials and `webhook_queue`.",
    )


_queue_option = click.option(
    "--queue",
    "queue_path",
    type=click.Path(dir_okay=False),
    help="The queue file (SQLite). Default: `webhook_queue` of --config.",
)
_secrets_option = click.option(
    "--secrets",
    "secrets_path",
    type=click.Path(dir_okay=False),
    help="The webhooks' secrets file (mode 0600). Default: <queue>.secrets.json.",
)


def read_config(path: str | None) -> dict[str, Any]:
    """The JSON object in `path` ({} without one); a usage error naming the file otherwise."""
    if path is None:
        return {}
    check_config_files([path])
    config = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        raise click.BadParameter(f"{path} is not a JSON object", param_hint="'--config'")
    return config


def resolve_paths(
    config: Mapping[str, Any], queue_path: str | None, secrets_path: str | None, *, required: bool = True
) -> tuple[Path | None, Path | None]:
    """The queue and secrets files from the options or the config (`webhook_queue`)."""
    queue = queue_path or config.get("webhook_queue")
    if queue is not None and not isinstance(queue, str):
        raise click.BadParameter("`webhook_queue` must be a path (a string)", param_hint="'--config'")
    if not queue and not secrets_path:
        if required:
            raise click.UsageError("give --queue PATH, or set `webhook_queue` in the --config file")
        return None, None
    secrets = Path(secrets_path) if secrets_path else default_secrets_path(str(queue))
    return (Path(queue) if queue else None), secrets


@contextmanager
def api_client(config: Mapping[str, Any]) -> Iterator[AsanaClient]:
    """An `AsanaClient` for the config; its errors become one-line failures (exit 1)."""
    problem = api_url_problem(str(config.get("api_url") or "https://app.asana.com/api/1.0"))
    if problem:
        raise click.BadParameter(problem, param_hint="'--config'")
    try:
        client = AsanaClient.from_config(config, logger=logger)
    except AsanaAuthError as exc:
        raise click.BadParameter(str(exc), param_hint="'--config'") from None
    try:
        yield client
    except (FatalAPIError, AsanaAuthError) as exc:
        raise Failure(str(exc)) from None
    except requests.RequestException as exc:
        raise Failure(f"cannot reach the API: {type(exc).__name__}") from None
    finally:
        client.close()


def parse_filter(spec: str) -> dict[str, Any]:
    """`resource_type[.subtype]:action[:field,...]` as a `WebhookFilter` (fields only with `changed`)."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise click.BadParameter(
            f"{spec!r} is not resource_type:action[:field,...] (e.g. task:changed:name,due_on)",
            param_hint="'--filter'",
        )
    resource_type, _, subtype = parts[0].partition(".")
    action = parts[1]
    if action not in FILTER_ACTIONS:
        raise click.BadParameter(
            f"{spec!r}: action must be one of {', '.join(FILTER_ACTIONS)}", param_hint="'--filter'"
        )
    result: dict[str, Any] = {"resource_type": resource_type, "action": action}
    if subtype:
        result["resource_subtype"] = subtype
    if len(parts) == 3:
        fields = [field for field in parts[2].split(",") if field]
        if action != "changed" or not fields:
            raise click.BadParameter(
                f"{spec!r}: fields go only with the action `changed`", param_hint="'--filter'"
            )
        result["fields"] = fields
    return result


def target_with_token(target: str, token: str) -> str:
    """`target` with the webhook's own path segment appended (query kept)."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{target!r} is not an http(s) URL with a host", param_hint="'--target'")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + token))


# -- commands ---------------------------------------------------------------------------------------
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Receive Asana webhooks into a durable queue that tap-asana's `webhook_events` stream drains."""


@main.command()
@_config_option(required=False)
@_queue_option
@_secrets_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Worker threads.")
@click.option(
    "--max-body-bytes",
    type=click.IntRange(1024),
    default=DEFAULT_MAX_BODY_BYTES,
    show_default=True,
    help="Larger deliveries are refused with 413.",
)
def serve(
    config_path: str | None,
    queue_path: str | None,
    secrets_path: str | None,
    host: str,
    port: int,
    threads: int,
    max_body_bytes: int,
) -> None:
    """Run the receiver until SIGINT/SIGTERM (deliveries on any path; the last segment names the webhook)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr
    )
    config = read_config(config_path)
    queue_file, secrets_file = resolve_paths(config, queue_path, secrets_path)
    assert queue_file is not None and secrets_file is not None
    store = SecretStore(secrets_file)
    try:
        known = len(store.hooks())  # a secrets file that cannot be read fails now, not per delivery
        queue = EventQueue(queue_file)
    except (QueueError, SecretStoreError) as exc:
        raise Failure(str(exc)) from None
    try:
        server = ReceiverServer(
            Receiver(queue, store, max_body_bytes=max_body_bytes), host=host, port=port, threads=threads
        )
    except OSError as exc:  # e.g. the port is taken, or the host is not an address of this machine
        queue.close()
        raise click.BadParameter(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", param_hint="'--host' / '--port'"
        ) from None
    logger.info(
        "listening on %s (queue %s, %d waiting; secrets %s, %d webhooks)",
        server.url,
        queue_file,
        queue.count(),
        secrets_file,
        known,
    )
    server.run()


@main.command()
@_config_option(required=True)
@_queue_option
@_secrets_option
@click.option(
    "--resource", required=True, help="Gid of the project, task, portfolio, goal, team or workspace."
)
@click.option(
    "--target", required=True, help="Public URL of the receiver; the webhook gets a path of its own."
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    help="resource_type[.subtype]:action[:field,...], e.g. task:changed:name,due_on (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the new webhook as JSON.")
def create(
    config_path: str,
    queue_path: str | None,
    secrets_path: str | None,
    resource: str,
    target: str,
    filters: tuple[str, ...],
    as_json: bool,
) -> None:
    """Create a webhook whose handshake the receiver (sharing the secrets file) answers."""
    config = read_config(config_path)
    _, secrets_file = resolve_paths(config, queue_path, secrets_path)
    assert secrets_file is not None
    parsed_filters = [parse_filter(spec) for spec in filters]
    token = new_token()
    url = target_with_token(target, token)
    store = SecretStore(secrets_file)
    data: dict[str, Any] = {"resource": resource, "target": url}
    if parsed_filters:
        data["filters"] = parsed_filters
    try:
        store.reserve(token, resource=resource, target=url)
        with api_client(config) as client:
            try:
                body = client.post("/webhooks", {"data": data})
            except BaseException:
                store.forget(token=token)
                raise
            webhook = body.get("data") or {}
            gid = str(webhook.get("gid") or "")
            if not gid:
                store.forget(token=token)
                raise Failure("the API answered the create without a webhook gid")
            if not store.complete(token, gid, body.get("X-Hook-Secret")):
                client.delete(f"/webhooks/{gid}")
                store.forget(token=token)
                raise Failure(
                    f"webhook {gid} was created but no handshake secret reached {secrets_file}; deleted it"
                )
    except SecretStoreError as exc:
        raise Failure(str(exc)) from None
    if as_json:
        click.echo(json.dumps(_public(webhook), indent=2, sort_keys=True))
        return
    named = (webhook.get("resource") or {}).get("name")
    click.echo(f"created webhook {gid} on {resource}{f' ({named})' if named else ''} -> {url}")


@main.command(name="list")
@_config_option(required=True)
@_queue_option
@_secrets_option
@click.option("--workspace", help="Only this workspace (gid). Default: every workspace the token sees.")
@click.option("--resource", help="Only the webhooks on this resource (gid).")
@click.option("--json", "as_json", is_flag=True, help="Print the webhooks as JSON lines.")
def list_(
    config_path: str,
    queue_path: str | None,
    secrets_path: str | None,
    workspace: str | None,
    resource: str | None,
    as_json: bool,
) -> None:
    """List the webhooks of the workspace(s), and whether this receiver holds each one's secret."""
    config = read_config(config_path)
    _, secrets_file = resolve_paths(config, queue_path, secrets_path, required=False)
    local: dict[str, bool] = {}
    if secrets_file is not None:
        try:
            local = {h.webhook_gid: h.has_secret for h in SecretStore(secrets_file).hooks() if h.webhook_gid}
        except SecretStoreError as exc:
            raise Failure(str(exc)) from None
    rows: list[dict[str, Any]] = []
    with api_client(config) as client:
        workspaces = [workspace] if workspace else [w["gid"] for w in client.paginate("/workspaces")]
        for gid in workspaces:
            params = {
                "workspace": gid,
                "opt_fields": LIST_FIELDS,
                **({"resource": resource} if resource else {}),
            }
            rows.extend(client.paginate("/webhooks", params))
    for row in rows:
        row = _public(row)
        row["secret_here"] = local.get(str(row.get("gid")), False)
        if as_json:
            click.echo(json.dumps(row, sort_keys=True))
            continue
        owner = row.get("resource") or {}
        click.echo(
            "\t".join(
                [
                    str(row.get("gid")),
                    "active" if row.get("active") else "inactive",
                    f"{owner.get('resource_type') or 'resource'} {owner.get('gid')}",
                    str(owner.get("name") or ""),
                    str(row.get("target")),
                    f"last success {row.get('last_success_at') or '-'}",
                    f"last failure {row.get('last_failure_at') or '-'}",
                    "secret here" if row["secret_here"] else "secret elsewhere",
                ]
            )
        )
    if not rows and not as_json:
        click.echo("no webhooks")


@main.command()
@_config_option(required=True)
@_queue_option
@_secrets_option
@click.argument("gid")
def delete(config_path: str, queue_path: str | None, secrets_path: str | None, gid: str) -> None:
    """Delete webhook GID and forget its secret."""
    config = read_config(config_path)
    _, secrets_file = resolve_paths(config, queue_path, secrets_path, required=False)
    missing = False
    with api_client(config) as client:
        try:
            client.delete(f"/webhooks/{gid}")
        except NotFoundError:
            missing = True
    forgotten: list[str] = []
    if secrets_file is not None:
        try:
            forgotten = SecretStore(secrets_file).forget(webhook_gid=gid)
        except SecretStoreError as exc:
            raise Failure(str(exc)) from None
    note = f"; its secret removed from {secrets_file}" if forgotten else ""
    if missing:
        raise Failure(f"no webhook {gid} in Asana (deleted already?){note}")
    click.echo(f"deleted webhook {gid}{note}")


def _public(webhook: Mapping[str, Any]) -> dict[str, Any]:
    """A webhook as the API gave it, less any secret the answer carried."""
    return {key: value for key, value in webhook.items() if "secret" not in key.lower()}
