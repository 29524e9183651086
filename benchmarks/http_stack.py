"""CPU per GET in each layer of the HTTP stack: where the tap's per-request cost lies, and what another
transport would save.

One thread sends the same page request (a `tasks`-sized `opt_fields`, one record) again and again to a
sandbox on loopback through each layer in turn, and its own CPU time (`time.thread_time`, so the
sandbox's threads in this process do not count) is divided by the number of requests:

* `sdk`: what the Singer SDK does per request (`Session.prepare_request`, then `Session.send`);
* `tap (requests)`: the tap's path with `http_transport: requests` (`AsanaSession.prepare_get`, then
  `Session.send` through urllib3, the body read);
* `tap (curl)`: the same with `http_transport: curl` (the default: libcurl under `Session.send`);
* `urllib3-pool-manager`: `urllib3.PoolManager.request` with the full URL;
* `urllib3-connection-pool`: `HTTPConnectionPool.urlopen` with the path (no URL parsing per request);
* `http.client`: one kept-alive `HTTPConnection`, no pool, no retries, no decoding (a floor, not a
  transport: it handles none of TLS, proxies, gzip or reconnection);
* `pycurl`: one libcurl handle, the body and header lines collected, nothing else (the floor under
  `tap (curl)`).

    .venv/bin/python -m benchmarks.http_stack [--requests 3000] [--rounds 3]

The figures vary by some 10-20 % on shared cores; `--rounds` repeats each layer, interleaved, and the
median is printed.
"""

from __future__ import annotations

import argparse
import http.client
import io
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pycurl
import requests
import urllib3

from asana_client.transport import AsanaSession
from asana_sandbox.server import SandboxServer
from benchmarks.run import UNLIMITED
from tap_asana.client import AsanaStream
from tap_asana.tap import TapAsana

ACCEPT = {"Accept": "application/json"}


def layers(base_url: str, token: str, path: str, query: str) -> dict[str, Callable[[], object]]:
    """Each layer as a callable that sends the request once and reads the whole body."""
    bearer = {"Authorization": f"Bearer {token}", **ACCEPT}
    url = f"{base_url}{path}?{query}"

    def authenticate(request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    sdk_session, tap_session, curl_session = AsanaSession(), AsanaSession(), AsanaSession(transport="curl")
    sdk_session.auth = tap_session.auth = curl_session.auth = authenticate
    pool_manager = urllib3.PoolManager()
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    pool = urllib3.HTTPConnectionPool(host, port)
    target = f"{parts.path}{path}?{query}"
    connection = http.client.HTTPConnection(host, port)
    curl = pycurl.Curl()
    curl_headers = [f"{name}: {value}" for name, value in bearer.items()]

    def sdk() -> object:
        prepared = sdk_session.prepare_request(requests.Request("GET", f"{base_url}{path}", headers=ACCEPT))
        prepared.url = f"{prepared.url}?{query}"
        return sdk_session.send(prepared, timeout=30).content

    def tap() -> object:
        return tap_session.send(tap_session.prepare_get(base_url, path, query, ACCEPT), timeout=30).content

    def tap_curl() -> object:
        return curl_session.send(curl_session.prepare_get(base_url, path, query, ACCEPT), timeout=30).content

    def raw() -> object:
        connection.request("GET", target, headers=bearer)
        return connection.getresponse().read()

    def bare_curl() -> object:
        body, header_lines = io.BytesIO(), []  # type: ignore[var-annotated]
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.HTTPHEADER, curl_headers)
        curl.setopt(pycurl.WRITEDATA, body)
        curl.setopt(pycurl.HEADERFUNCTION, header_lines.append)
        curl.perform()
        return body.getvalue()

    return {
        "sdk": sdk,
        "tap (requests)": tap,
        "tap (curl)": tap_curl,
        "urllib3-pool-manager": lambda: pool_manager.request("GET", url, headers=bearer).data,
        "urllib3-connection-pool": lambda: pool.urlopen("GET", target, headers=bearer).data,
        "http.client": raw,
        "pycurl": bare_curl,
    }


def cpu_per_call(call: Callable[[], object], count: int) -> float:
    """This thread's CPU µs per call, after one call to warm the connection."""
    call()
    start = time.thread_time()
    for _ in range(count):
        call()
    return (time.thread_time() - start) / count * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per layer and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, interleaved; the median is shown")
    args = parser.parse_args(argv)
    with SandboxServer("demo", seed=42, requests_per_minute=UNLIMITED) as sandbox:
        config = {"access_token": sandbox.token, "api_url": sandbox.base_url}
        tasks = TapAsana(config=config, validate_config=False).streams["tasks"]
        assert isinstance(tasks, AsanaStream)
        workspace = requests.get(
            f"{sandbox.base_url}/workspaces", headers={"Authorization": f"Bearer {sandbox.token}"}, timeout=30
        ).json()["data"][0]["gid"]
        query = f"workspace={workspace}&limit=1&opt_fields={tasks.opt_fields_param}"
        measured: dict[str, list[float]] = {}
        stack = layers(sandbox.base_url, sandbox.token, "/users", query)
        for _ in range(args.rounds):
            for name, call in stack.items():
                measured.setdefault(name, []).append(cpu_per_call(call, args.requests))
    print(f"GET with a {len(query):,}-byte query, {args.requests:,} requests x {args.rounds} rounds")
    print("| layer | client CPU per request (median) | rounds |")
    print("|---|---|---|")
    for name, values in measured.items():
        rounds = ", ".join(f"{v:,.0f}" for v in values)
        print(f"| {name} | {statistics.median(values):,.0f} µs | {rounds} |")


if __name__ == "__main__":
    main()
