"""Independent write calls sent together: through Asana's Batch API (10 actions a call) or in parallel."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from singer_sdk.exceptions import FatalAPIError

from asana_client import AsanaClient
from asana_client.errors import AccessDeniedError, InvalidRequestError, NotFoundError, UncertainWriteError
from asana_client.retry import describe, wait_generator

T = TypeVar("T")

BATCH_SIZE = 10  # Asana's Batch API takes at most 10 actions
#: Calls that cannot go inside a batch (asana-api.md 3.9): uploads.
_NOT_BATCHABLE = ("/attachments",)


@dataclass(frozen=True)
class Call:
    """One API call: method, path under /api/1.0, and the `data` of its body (or query for a GET)."""

    method: str
    path: str
    data: Mapping[str, Any] | None = None
    fields: tuple[str, ...] = ()
    form: Mapping[str, Any] | None = None
    #: Asana applies it once however often it arrives (add/remove actions): safe to send again.
    idempotent: bool = False

    def describe(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Outcome:
    """What a call gave: the answer's `data`, or why Asana refused it, or that its fate is unknown."""

    call: Call
    status: int
    data: Any = None
    error: str | None = None
    uncertain: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.uncertain

    @property
    def refused(self) -> bool:
        """Asana answered that it will not do this (4xx): retrying the same call cannot help."""
        return self.error is not None and not self.uncertain


@dataclass
class Dispatcher:
    """Sends independent calls; the client's limiter keeps writes within Asana's 15 in flight."""

    client: AsanaClient
    use_batch_api: bool = True
    parallelism: int = 8
    requests: int = field(default=0, init=False)

    def run(self, calls: Sequence[Call], *, batch: bool = True) -> list[Outcome]:
        """Every call's outcome, in the order given; `batch=False` sends each on its own (in parallel)."""
        if not calls:
            return []
        batchable = [
            c
            for c in calls
            if batch and self.use_batch_api and c.form is None and c.path not in _NOT_BATCHABLE
        ]
        if len(batchable) == len(calls) and len(calls) > 1:
            chunks = [list(calls[i : i + BATCH_SIZE]) for i in range(0, len(calls), BATCH_SIZE)]
            # One batch at a time: its 10 actions take 10 of the 15 writes Asana allows in flight.
            return [o for chunk in chunks for o in self._batch(chunk)]
        if len(calls) == 1:
            return [self.one(calls[0])]
        with ThreadPoolExecutor(max_workers=min(len(calls), self.parallelism)) as pool:
            return list(pool.map(self.one, calls))

    def one(self, call: Call) -> Outcome:
        """One call on its own."""
        self.requests += 1
        params = {"opt_fields": ",".join(call.fields)} if call.fields else None
        try:
            if call.method == "GET":
                body = self.client.get(call.path, {**(call.data or {}), **(params or {})})
            elif call.form is not None:
                body = self.client.request("POST", call.path, params=params, files=_multipart(call.form))
            else:
                payload = {"data": dict(call.data)} if call.data is not None else None
                body = self.client.request(
                    call.method, call.path, params=params, json=payload, idempotent=call.idempotent or None
                )
        except UncertainWriteError as exc:
            return Outcome(call, 0, error=str(exc), uncertain=True)
        except NotFoundError as exc:
            if call.method == "DELETE":
                # Gone already (e.g. a retried DELETE whose first answer was lost): what was asked.
                return Outcome(call, 404, data={})
            return Outcome(call, 404, error=str(exc))
        except AccessDeniedError as exc:
            return Outcome(call, exc.status, error=str(exc))
        except InvalidRequestError as exc:
            return Outcome(call, 400, error=str(exc))
        return Outcome(call, 200, data=body.get("data"))

    def _batch(self, calls: list[Call]) -> list[Outcome]:
        if len(calls) == 1:
            return [self.one(calls[0])]
        self.requests += 1
        actions = []
        for call in calls:
            action: dict[str, Any] = {"relative_path": call.path, "method": call.method.lower()}
            if call.data is not None:
                action["data"] = dict(call.data)
            if call.fields:
                action["options"] = {"fields": list(call.fields)}
            actions.append(action)
        try:
            # Asana counts every action against the minute budget (the batch call itself costs nothing).
            # Never repeated whole when its answer is lost (a batch that outlived the timeout would
            # time out again): each call is then settled on its own, below.
            body = self.client.request(
                "POST", "/batch", json={"data": {"actions": actions}}, idempotent=False, cost=len(actions)
            )
        except UncertainWriteError as exc:
            # The batch's answer was lost: calls that are safe to repeat go again one by one; a create
            # stays uncertain, for its sink to look up before sending it again.
            self.client.logger.warning(
                "POST /batch: its answer was lost (%s); settling its %d calls one by one",
                describe(exc.__cause__),
                len(calls),
            )
            return [self.one(c) if _repeatable(c) else _uncertain(c, 0, str(exc)) for c in calls]
        except (InvalidRequestError, NotFoundError) as exc:
            # The batch as a whole was refused (an action Asana does not allow in a batch), or the server
            # has no Batch API: the same calls one by one, and no more batches after a 404.
            if isinstance(exc, NotFoundError):
                self.use_batch_api = False
            return [self.one(c) for c in calls]
        results = body.get("data") or []
        outcomes = []
        for index, call in enumerate(calls):
            result = results[index] if index < len(results) and isinstance(results[index], dict) else {}
            status = int(result.get("status_code") or 0)
            answer = result.get("body") or {}
            if 200 <= status < 300:
                outcomes.append(Outcome(call, status, data=answer.get("data")))
            elif status == 404 and call.method == "DELETE":
                outcomes.append(Outcome(call, status, data={}))  # gone already: what was asked
            elif status == 429 or status >= 500 or status == 0:
                # Asana did not do it (rate limit), or may have (5xx, or no result for the action): the
                # single call path decides, unless repeating it could do it twice.
                again = _repeatable(call) or status == 429
                outcomes.append(self.one(call) if again else _uncertain(call, status))
            else:
                message = ((answer.get("errors") or [{}])[0]).get("message", "")
                outcomes.append(
                    Outcome(call, status, error=f"{status} for {call.describe()}: {message}"[:300])
                )
        return outcomes


def create_once(client: AsanaClient, send: Callable[[], T], find: Callable[[], T | None], what: str) -> T:
    """`send()` a create that must not be repeated blindly: when its answer is lost, `find()` it in
    Asana (after a backoff wait, so that a create still on its way can land) and send it again only
    if it is not there."""
    waits = wait_generator(client.settings.backoff_base_seconds, client.settings.backoff_max_seconds)
    next(waits)
    for _ in range(max(1, client.settings.max_retries)):
        try:
            return send()
        except UncertainWriteError:
            time.sleep(waits.send(None))
            found = find()
            if found is not None:
                return found
    raise FatalAPIError(f"{what}: every answer was lost and a lookup did not find it; run again")


def _repeatable(call: Call) -> bool:
    """Sending the call twice does what sending it once does."""
    return call.method in ("GET", "PUT", "DELETE") or call.idempotent


def _uncertain(call: Call, status: int, error: str | None = None) -> Outcome:
    why = error or f"{status or 'no answer'} for {call.describe()} inside a batch"
    return Outcome(call, status, error=why, uncertain=True)


def _multipart(form: Mapping[str, Any]) -> dict[str, Any]:
    """requests' `files` for a form without a file part: every field as a (None, value) tuple."""
    return {k: (None, str(v)) for k, v in form.items()}
