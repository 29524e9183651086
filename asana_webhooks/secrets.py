"""Each webhook's handshake secret, keyed by the path token of its target URL.

Asana sends the secret once, in the handshake, before the webhook has a gid: so `asana-webhooks create`
gives every webhook its own target path and reserves it here (`pending`); the receiver accepts a
handshake only on a reserved path, once, and keeps the secret it was sent. The file is JSON, mode 0600,
replaced atomically under an exclusive lock, so the CLI and the receiver (two processes) can share it.
Nothing in this module logs or formats a secret.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import json
import os
import secrets
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: How long a reserved path waits for its handshake (Asana's comes during the create call).
PENDING_TTL_SECONDS = 600.0
#: The longest handshake secret accepted (Asana's are 32 hex characters).
MAX_SECRET_LENGTH = 256


class SecretStoreError(Exception):
    """The secrets file cannot be read or written (the message names the file, never a secret)."""


@dataclass(frozen=True)
class Hook:
    """What the store knows of one webhook, without its secret."""

    token: str
    resource: str | None
    target: str | None
    webhook_gid: str | None
    has_secret: bool
    reserved_at: float


def new_token() -> str:
    """A fresh, unguessable path token for a webhook's target URL."""
    return secrets.token_urlsafe(18)


def valid_secret(value: str) -> bool:
    """A handshake secret the store accepts: printable ASCII without spaces, of sane length."""
    return 0 < len(value) <= MAX_SECRET_LENGTH and all(33 <= ord(char) < 127 for char in value)


class SecretStore:
    """A JSON file of `{token: {secret, resource, target, webhook_gid, reserved_at}}` (mode 0600)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._cache: dict[str, dict[str, Any]] = {}
        self._cache_key: tuple[int, int, int] | None = None
        self._thread_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SecretStore({str(self.path)!r})"

    # -- the receiver's side ----------------------------------------------------------------------
    def secret_for(self, token: str) -> bytes | None:
        """The secret of the webhook at path `token`, or None when that path has none."""
        entry = self._read().get(token)
        secret = entry.get("secret") if entry else None
        return secret.encode() if isinstance(secret, str) else None

    def accept_handshake(self, token: str, secret: str) -> bool:
        """Keep `secret` for a path reserved by `reserve` and not yet shaken; False (nothing kept) else.

        The same secret again is accepted (Asana may repeat a handshake it found slow); another is not.
        """
        if not valid_secret(secret):
            return False
        with self._locked() as hooks:
            entry = hooks.get(token)
            if entry is None:
                return False
            if entry.get("secret") is not None:
                return hmac.compare_digest(str(entry["secret"]).encode(), secret.encode())
            if time.time() - float(entry.get("reserved_at", 0)) > PENDING_TTL_SECONDS:
                return False
            entry["secret"] = secret
        return True

    # -- the CLI's side ---------------------------------------------------------------------------
    def reserve(self, token: str, *, resource: str, target: str) -> None:
        """Reserve path `token` for a webhook about to be created (its handshake may come now)."""
        with self._locked() as hooks:
            hooks[token] = {"resource": resource, "target": target, "reserved_at": time.time()}

    def complete(self, token: str, webhook_gid: str, secret: str | None = None) -> bool:
        """Record the gid Asana gave the webhook at `token` (and its secret, if the store lacks it);
        whether the store now holds a secret for it."""
        with self._locked() as hooks:
            entry = hooks.setdefault(token, {"reserved_at": time.time()})
            entry["webhook_gid"] = webhook_gid
            if entry.get("secret") is None and secret and valid_secret(secret):
                entry["secret"] = secret
            return entry.get("secret") is not None

    def forget(self, *, token: str | None = None, webhook_gid: str | None = None) -> list[str]:
        """Drop the entries of path `token` and/or of `webhook_gid`; the tokens dropped."""
        with self._locked() as hooks:
            gone = [
                key
                for key, entry in hooks.items()
                if key == token or (webhook_gid is not None and entry.get("webhook_gid") == webhook_gid)
            ]
            for key in gone:
                del hooks[key]
        return gone

    def hooks(self) -> list[Hook]:
        """Every entry, secrets left out."""
        return [
            Hook(
                token=token,
                resource=entry.get("resource"),
                target=entry.get("target"),
                webhook_gid=entry.get("webhook_gid"),
                has_secret=entry.get("secret") is not None,
                reserved_at=float(entry.get("reserved_at", 0)),
            )
            for token, entry in sorted(self._read().items())
        ]

    def webhook_gid(self, token: str) -> str | None:
        """The gid of the webhook at path `token`, once `complete` recorded it."""
        entry = self._read().get(token)
        gid = entry.get("webhook_gid") if entry else None
        return gid if isinstance(gid, str) else None

    # -- the file ---------------------------------------------------------------------------------
    def _read(self) -> dict[str, dict[str, Any]]:
        """The file's entries, re-read only when it changed (the receiver calls this per delivery)."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretStoreError(
                f"cannot read the webhook secrets file {self.path}: {exc.strerror}"
            ) from None
        key = (info.st_ino, info.st_mtime_ns, info.st_size)
        with self._thread_lock:
            if key != self._cache_key:
                if stat.S_IMODE(info.st_mode) & 0o077:
                    os.chmod(self.path, 0o600)  # e.g. copied with a umask that let others read it
                self._cache = self._load()
                self._cache_key = key
            return self._cache

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretStoreError(
                f"cannot read the webhook secrets file {self.path}: {exc.strerror}"
            ) from None
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            raise SecretStoreError(f"the webhook secrets file {self.path} is not valid JSON") from None
        hooks = data.get("hooks") if isinstance(data, dict) else None
        if not isinstance(hooks, dict):
            raise SecretStoreError(f"the webhook secrets file {self.path} has no `hooks` object")
        return {str(k): dict(v) for k, v in hooks.items() if isinstance(v, dict)}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The entries under an exclusive lock (threads and processes); written back atomically on exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            lock_fd = os.open(self._lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            raise SecretStoreError(
                f"cannot lock the webhook secrets file {self.path}: {exc.strerror}"
            ) from None
        try:
            with self._thread_lock:
                fcntl.flock(lock_fd, fcntl.LOCK_EX)
                hooks = self._load()
                yield hooks
                self._write(hooks)
                self._cache_key = None
        finally:
            os.close(lock_fd)  # also releases the flock

    def _write(self, hooks: dict[str, dict[str, Any]]) -> None:
        text = json.dumps({"version": 1, "hooks": hooks}, indent=2, sort_keys=True)
        try:
            # mkstemp creates the file 0600; the rename replaces the old file in one step.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise SecretStoreError(
                f"cannot write the webhook secrets file {self.path}: {exc.strerror or exc}"
            ) from None
        if stat.S_IMODE(self.path.stat().st_mode) != 0o600:
            os.chmod(self.path, 0o600)


def default_secrets_path(queue_path: str | os.PathLike[str]) -> Path:
    """Where the secrets live when not told: beside the queue (`<queue>.secrets.json`)."""
    queue = Path(queue_path)
    return queue.with_name(queue.name + ".secrets.json")
