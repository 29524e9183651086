"""Every sandbox route answers with bodies that the official Asana OpenAPI spec's response schemas accept.

The spec is read from its committed digest (`asana_sandbox/openapi_digest.json`, see `tests/spec.py`), so the
tests run on any clone; where the official spec is present, a test checks that the digest is up to date.
For each route the module picks, from the sandbox's own store, parameter values that lead to actual records
(objects that have children), then validates the 200 body twice (default fields, and every field of the
resource type through `opt_fields`), a paginated page, and its 400/401/402/404/412/429 bodies.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

import pytest
import requests

from asana_sandbox.projection import resource_fields
from asana_sandbox.routes import ROUTES
from asana_sandbox.routes.base import Route
from asana_sandbox.server import SandboxServer
from asana_sandbox.store import Store
from tests.spec import (
    DIGEST_GENERATOR,
    ERROR_RESPONSE,
    SPEC_PATH,
    SPEC_URI,
    Spec,
    assert_conforms,
    assert_error_body,
    digest_text,
    load_spec,
    mismatches,
    verdict,
)

# Reads only: the write routes are checked by test_write_conformance.py, from the cases in write_cases/.
# GET /reactions is checked by test_reactions.py: the demo has no reaction to check it on (its reaction
# summaries are all empty), so that test gives a story one first.
ON_DERIVED_DATA = {"GET /reactions"}
ROUTES_BY_ID = {
    f"{r.method} {r.path}": r
    for r in ROUTES
    if r.method == "GET" and f"{r.method} {r.path}" not in ON_DERIVED_DATA
}
ROUTE_IDS = list(ROUTES_BY_ID)
EVENT_ROUTES = ("GET /events", "GET /workspaces/{workspace_gid}/events")
MAX_PROBES = 400
TIMEOUT = 30


@dataclass(frozen=True)
class Lit:
    """A literal query value (as opposed to a resource type to pick a gid of)."""

    value: str


# Query parameters a route needs to answer with records: those the spec marks required, and the filter that
# Asana insists on where the spec marks none required (`GET /tasks` needs a project, tag, section or
# assignee+workspace; `GET /projects` a workspace or team...). A `str` value names the resource type to pick.
QUERY: dict[str, dict[str, str | Lit]] = {
    "/users/{user_gid}/favorites": {"resource_type": Lit("project"), "workspace": "workspace"},
    "/users/{user_gid}/teams": {"organization": "workspace"},
    "/users/{user_gid}/team_memberships": {"workspace": "workspace"},
    "/users/{user_gid}/user_task_list": {"workspace": "workspace"},
    "/workspaces/{workspace_gid}/typeahead": {"resource_type": Lit("task")},
    "/projects": {"workspace": "workspace"},
    "/team_memberships": {"team": "team"},
    "/memberships": {"parent": "project"},
    "/status_updates": {"parent": "project"},
    "/project_templates": {"workspace": "workspace"},
    "/custom_types": {"project": "project"},
    "/tasks": {"project": "project"},
    "/attachments": {"parent": "task"},
    "/tags": {"workspace": "workspace"},
    "/task_templates": {"project": "project"},
    "/goals": {"workspace": "workspace"},
    "/goal_relationships": {"supported_goal": "goal"},
    "/time_periods": {"workspace": "workspace"},
    "/portfolios": {"workspace": "workspace"},
    "/portfolio_memberships": {"portfolio": "portfolio"},
    "/time_tracking_entries": {"workspace": "workspace"},
    "/allocations": {"workspace": "workspace"},
    "/webhooks": {"workspace": "workspace"},
    "/access_requests": {"target": "project|portfolio"},
    "/events": {"resource": "project"},
    "/budgets": {"parent": "project"},
    "/rates": {"parent": "project"},
    "/roles": {"workspace": "workspace"},
    "/ooo_entries": {"user": "user", "workspace": "workspace"},
    "/time_tracking_categories": {"workspace": "workspace"},
    "/timesheet_approval_statuses": {"workspace": "workspace"},
}

# Routes the sandbox gates by tier (402 on a free workspace; the audit log needs Enterprise).
TIER_GATED = (
    "GET /goals",
    "GET /goals/{goal_gid}",
    "GET /goals/{goal_gid}/parentGoals",
    "GET /tasks/{task_gid}/dependencies",
    "GET /tasks/{task_gid}/dependents",
    "GET /workspaces/{workspace_gid}/tasks/search",
    "GET /workspaces/{workspace_gid}/projects/search",
    "GET /project_briefs/{project_brief_gid}",
    "GET /access_requests",
    "GET /time_tracking_entries",
    "GET /allocations",
    "GET /allocations/{allocation_gid}",
    "GET /workspaces/{workspace_gid}/audit_log_events",
    "GET /budgets",
    "GET /budgets/{budget_gid}",
    "GET /rates",
    "GET /rates/{rate_gid}",
)


# -- the spec ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


def test_committed_digest_matches_the_spec() -> None:
    """The digest the tests read is what `scripts/generate_spec_digest.py` writes from the official spec."""
    if not SPEC_PATH.is_file():
        pytest.skip(f"official Asana spec not found at {SPEC_PATH}: the committed digest is not compared")
    loader = importlib.util.spec_from_file_location("generate_spec_digest", DIGEST_GENERATOR)
    assert loader is not None and loader.loader is not None
    generator = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(generator)
    assert generator.generate(SPEC_PATH) == digest_text(), (
        "asana_sandbox/openapi_digest.json is stale: run .venv/bin/python scripts/generate_spec_digest.py"
    )


# -- sandboxes --------------------------------------------------------------------------------------------
class Sandbox:
    """A started sandbox and a session with its PAT."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("requests_per_minute", 10_000_000)
        self.server = SandboxServer("demo", **options).start()
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.server.token}"

    @property
    def store(self) -> Store:
        return self.server.store

    def get(self, path: str, params: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        return self.session.get(self.server.base_url + path, params=params, timeout=TIMEOUT, **kwargs)

    def control(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(f"{self.server.root_url}/_sandbox/{name}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self.session.close()
        self.server.stop()


@pytest.fixture(scope="module")
def enterprise_sandbox() -> Iterator[Sandbox]:
    """The demo dataset, every workspace treated as Enterprise so that tier gates pass."""
    started = Sandbox(tier="enterprise")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def events_sandbox() -> Iterator[Sandbox]:
    """A separate sandbox for the Events API, whose data `POST /_sandbox/mutate` changes."""
    started = Sandbox(tier="enterprise")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def free_sandbox() -> Iterator[Sandbox]:
    started = Sandbox(tier="free")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def limited_sandbox() -> Iterator[Sandbox]:
    """A budget of one request a minute, already spent."""
    started = Sandbox(tier="enterprise", requests_per_minute=1)
    started.get("/workspaces")
    yield started
    started.stop()


# -- choosing a request per route -------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """A concrete request for a route."""

    route: Route
    path_params: dict[str, str]
    query: dict[str, str]

    @property
    def path(self) -> str:
        return self.route.path.format(**{k: quote(v, safe="") for k, v in self.path_params.items()})


def _path_names(route: Route) -> list[str]:
    return re.findall(r"{(\w+)}", route.path)


def _type_of_path_param(name: str) -> str:
    return name.removesuffix("_gid")


@cache
def _reference_counts(store: Store) -> Counter[str]:
    """How often each gid is referred to (computed once per store): objects with children come first."""
    counts: Counter[str] = Counter()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("gid") is not None and value.get("resource_type"):
                counts[value["gid"]] += 1
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.isdigit():
            counts[value] += 1

    for record in store.objects.values():
        for key, value in record.items():
            if key != "gid":
                walk(value)
    return counts


def _candidates(store: Store, kinds: str) -> list[str]:
    """Gids of objects of the `|`-separated types, most referred-to first; values for `custom_id`."""
    if kinds == "custom_id":
        return [
            value["display_value"]
            for task in store.all("task")
            for value in task.get("custom_fields") or ()
            if value.get("representation_type") == "custom_id" and value.get("display_value")
        ]
    counts = _reference_counts(store)
    records = [r for kind in kinds.split("|") for r in store.all(kind)]
    return [r["gid"] for r in sorted(records, key=lambda r: -counts[r["gid"]])]


def _has_records(body: Any) -> bool:
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list):
        return bool(data)
    # A single object; `task_counts` is legitimately `{}` without opt_fields.
    return isinstance(data, dict)


@dataclass(frozen=True)
class Choice:
    """The request chosen for a route, and whether it gives records to validate."""

    sandbox: Sandbox
    call: Call
    records: bool
    note: str = ""

    def require_records(self) -> None:
        """Fail unless the call answers with records: every route must be checked on real data."""
        if not self.records:
            pytest.fail(f"{route_id(self.call.route)}: {self.note}")


def find_call(sandbox: Sandbox, route: Route) -> Choice:
    """The first combination of store objects for which the route answers 200 with records.

    Without one, the first that answers 200, else the first combination: good enough for error bodies.
    """
    slots: list[tuple[str, str, list[str]]] = []
    for name in _path_names(route):
        slots.append(("path", name, _candidates(sandbox.store, _type_of_path_param(name)) or ["1"]))
    for name, kind in QUERY.get(route.path, {}).items():
        values = [kind.value] if isinstance(kind, Lit) else _candidates(sandbox.store, kind)
        slots.append(("query", name, values))
    statuses: Counter[int] = Counter()
    fallback: Call | None = None
    first: Call | None = None
    for combo in itertools.islice(itertools.product(*(values for _, _, values in slots)), MAX_PROBES):
        chosen = dict(zip((name for _, name, _ in slots), combo, strict=True))
        path_params = {name: chosen[name] for where, name, _ in slots if where == "path"}
        query = {name: chosen[name] for where, name, _ in slots if where == "query"}
        call = Call(route, path_params, query)
        first = first or call
        response = sandbox.get(call.path, query)
        statuses[response.status_code] += 1
        if response.status_code == 200:
            if _has_records(response.json()):
                return Choice(sandbox, call, True)
            fallback = fallback or call
    note = (
        f"no objects in the demo store give a 200 with records "
        f"(tried {sum(statuses.values())} combinations, statuses {dict(statuses)})"
    )
    assert first is not None
    return Choice(sandbox, fallback or first, False, note)


def route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


@pytest.fixture(scope="module")
def choices() -> dict[str, Choice]:
    """Requests already chosen, per route (they are reused by every test of the route)."""
    return {}


@pytest.fixture(scope="module")
def synced(events_sandbox: Sandbox) -> dict[str, Choice]:
    """Events requests with sync tokens taken before a mutation, so that the next call has events."""
    store = events_sandbox.store
    pending: list[Call] = []
    for route_key, kind, in_path in (("GET /events", "project", False), (EVENT_ROUTES[1], "workspace", True)):
        route = ROUTES_BY_ID[route_key]
        for gid in _candidates(store, kind):
            path_params = {"workspace_gid": gid} if in_path else {}
            query = {} if in_path else {"resource": gid}
            first = events_sandbox.get(Call(route, path_params, query).path, query)
            assert first.status_code == 412, first.text
            pending.append(Call(route, path_params, {**query, "sync": first.json()["sync"]}))
    events_sandbox.control("mutate", {"fraction": 0.3, "seed": 11})
    chosen: dict[str, Choice] = {}
    for call in pending:
        key = route_id(call.route)
        if key not in chosen and _has_records(events_sandbox.get(call.path, call.query).json()):
            chosen[key] = Choice(events_sandbox, call, True)
    for call in pending:
        chosen.setdefault(
            route_id(call.route), Choice(events_sandbox, call, False, "no events after POST /_sandbox/mutate")
        )
    return chosen


@pytest.fixture
def resolve(
    request: pytest.FixtureRequest, enterprise_sandbox: Sandbox, choices: dict[str, Choice]
) -> Callable[[str], Choice]:
    """`resolve(route_key)`: the sandbox and request to use for a route (the events ones set up lazily)."""

    def get(route_key: str) -> Choice:
        if route_key in EVENT_ROUTES:
            return request.getfixturevalue("synced")[route_key]
        if route_key not in choices:
            choices[route_key] = find_call(enterprise_sandbox, ROUTES_BY_ID[route_key])
        return choices[route_key]

    return get


def all_fields(spec: Spec, route: Route, record: dict[str, Any]) -> list[str]:
    """Every field of the record's resource type (the sandbox's table, generated from the spec)."""
    entry = resource_fields().get(record.get("resource_type") or "")
    if entry:
        return list(entry["fields"])
    return spec.schema_fields(spec.item_schema(route))


def _records(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body["data"]
    return data if isinstance(data, list) else [data]


# -- tests ------------------------------------------------------------------------------------------------
def test_every_sandbox_route_is_an_operation_of_the_spec(spec: Spec) -> None:
    missing = [f"{r.method} {r.path}" for r in ROUTES if spec.operation(r) is None]
    assert not missing, f"routes the official spec does not have: {missing}"


@pytest.mark.parametrize("route_key", ROUTE_IDS)
def test_default_response_conforms_to_spec(spec: Spec, resolve: Callable, route_key: str) -> None:
    choice = resolve(route_key)
    choice.require_records()
    call = choice.call
    response = choice.sandbox.get(call.path, call.query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" in body
    assert_conforms(spec, spec.response_schema(call.route, 200), body, f"{route_key} {call.query}")


@pytest.mark.parametrize("route_key", ROUTE_IDS)
def test_opt_fields_response_conforms_to_spec(spec: Spec, resolve: Callable, route_key: str) -> None:
    choice = resolve(route_key)
    choice.require_records()
    call = choice.call
    first = _records(choice.sandbox.get(call.path, call.query).json())[0]
    fields = all_fields(spec, call.route, first)
    response = choice.sandbox.get(call.path, {**call.query, "opt_fields": ",".join(fields)})
    assert response.status_code == 200, response.text
    body = response.json()
    schema_uri = spec.response_schema(call.route, 200)
    found = mismatches(spec, schema_uri, body, f"{route_key} with all opt_fields")
    # A list's item schema is the compact one, which leaves opt-in fields unchecked: check every record
    # against the full schema of its type too.
    for record in _records(body):
        entry = resource_fields().get(record.get("resource_type") or "")
        if entry:
            record_schema = f"{SPEC_URI}#/components/schemas/{entry['schema']}"
            found += mismatches(
                spec, record_schema, record, f"record {record.get('gid')} ({entry['schema']})"
            )
    verdict(found, schema_uri)


def test_paginated_responses_conform_to_spec(spec: Spec, resolve: Callable) -> None:
    """Every list the spec paginates answers `limit=1` with a `next_page` the spec's `NextPage` accepts."""
    problems: list[str] = []
    paginated = [key for key, route in ROUTES_BY_ID.items() if "limit" in spec.parameters(route)]
    assert len(paginated) > 40, paginated
    for route_key in paginated:
        choice = resolve(route_key)
        call = choice.call
        response = choice.sandbox.get(call.path, {**call.query, "limit": "1"})
        body = response.json()
        if response.status_code != 200 or "next_page" not in body:
            problems.append(f"{route_key}: {response.status_code} without next_page: {response.text[:200]}")
            continue
        errors = spec.errors(spec.response_schema(call.route, 200), body)
        problems.extend(f"{route_key}: {e}" for e in errors if not e.documented)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route_key", ROUTE_IDS)
def test_unauthorized_response_conforms_to_spec(spec: Spec, resolve: Callable, route_key: str) -> None:
    choice = resolve(route_key)
    call = choice.call
    response = requests.get(
        choice.sandbox.server.base_url + call.path,
        params=call.query,
        headers={"Authorization": "Bearer not-a-token"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401, response.text
    assert_error_body(spec, spec.error_schema(call.route, 401), response, f"{route_key} 401")


def _without_object(call: Call) -> tuple[str, dict[str, str]]:
    """The call with its first object id replaced by one that does not exist."""
    for name in _path_names(call.route):
        if name != "custom_id":
            return Call(call.route, {**call.path_params, name: "404404404404"}, call.query).path, call.query
    name = next(n for n, kind in QUERY.get(call.route.path, {}).items() if not isinstance(kind, Lit))
    return call.path, {**call.query, name: "404404404404"}


# Routes naming an object, in their path or in a query parameter: an unknown gid there is a 404.
NAMING_AN_OBJECT = [
    key
    for key, route in ROUTES_BY_ID.items()
    if "{" in route.path or any(not isinstance(k, Lit) for k in QUERY.get(route.path, {}).values())
]
# Routes whose QUERY entry only picks a filter the API does not need (a list without it is still answered).
OPTIONAL_QUERY = ("/tags",)
# Routes that answer 400 "<param>: Missing input" without the first parameter of their QUERY entry.
WITH_REQUIRED_QUERY = [
    key for key, route in ROUTES_BY_ID.items() if route.path in QUERY and route.path not in OPTIONAL_QUERY
]


def test_query_table_covers_every_required_parameter_of_the_spec(spec: Spec) -> None:
    missing = [
        f"{key} ?{name}"
        for key, route in ROUTES_BY_ID.items()
        for name, parameter in spec.parameters(route).items()
        if parameter.get("in") == "query"
        and parameter.get("required")
        and name not in QUERY.get(route.path, {})
    ]
    assert not missing, f"required by the spec but not in QUERY: {missing}"


@pytest.mark.parametrize("route_key", NAMING_AN_OBJECT)
def test_not_found_response_conforms_to_spec(spec: Spec, resolve: Callable, route_key: str) -> None:
    choice = resolve(route_key)
    call = choice.call
    response = choice.sandbox.get(*_without_object(call))
    assert response.status_code == 404, response.text
    assert_error_body(spec, spec.error_schema(call.route, 404), response, f"{route_key} 404")


@pytest.mark.parametrize("route_key", WITH_REQUIRED_QUERY)
def test_bad_request_response_conforms_to_spec(spec: Spec, resolve: Callable, route_key: str) -> None:
    route = ROUTES_BY_ID[route_key]
    required = [n for n, p in spec.parameters(route).items() if p.get("in") == "query" and p.get("required")]
    dropped = required[0] if required else next(iter(QUERY[route.path]))
    choice = resolve(route_key)
    call = choice.call
    response = choice.sandbox.get(call.path, {k: v for k, v in call.query.items() if k != dropped})
    assert response.status_code == 400, response.text
    assert_error_body(spec, spec.error_schema(route, 400), response, f"{route_key} 400")


@pytest.mark.parametrize("route_key", ROUTE_IDS)
def test_rate_limited_response_conforms_to_spec(
    spec: Spec, resolve: Callable, limited_sandbox: Sandbox, route_key: str
) -> None:
    call = resolve(route_key).call
    response = limited_sandbox.get(call.path, call.query)
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"].isdigit()
    assert_error_body(spec, ERROR_RESPONSE, response, f"{route_key} 429")


@pytest.mark.parametrize("route_key", TIER_GATED)
def test_payment_required_response_conforms_to_spec(
    spec: Spec, resolve: Callable, free_sandbox: Sandbox, route_key: str
) -> None:
    route = ROUTES_BY_ID[route_key]
    call = resolve(route_key).call
    response = free_sandbox.get(call.path, call.query)
    assert response.status_code == 402, response.text
    assert_error_body(spec, spec.error_schema(route, 402), response, f"{route_key} 402")


@pytest.mark.parametrize("route_key", EVENT_ROUTES)
def test_events_without_sync_token_answer_a_412_that_conforms_to_spec(
    spec: Spec, resolve: Callable, route_key: str
) -> None:
    choice = resolve(route_key)
    call = choice.call
    response = choice.sandbox.get(call.path, {k: v for k, v in call.query.items() if k != "sync"})
    assert response.status_code == 412, response.text
    assert isinstance(response.json().get("sync"), str) and response.json()["sync"]
    # Only getEvents documents its 412; the workspace stream's is described in text only, with the same body.
    schema_uri = spec.response_schema(ROUTES_BY_ID["GET /events"], 412)
    assert_error_body(spec, schema_uri, response, f"{route_key} 412")


# Spec tags whose objects are outside the sandbox's scope (none left: GET /reactions is served too).
OUT_OF_SCOPE_TAGS: set[str] = set()


def test_every_get_operation_of_the_objects_in_scope_is_a_sandbox_route(spec: Spec) -> None:
    missing = [
        f"GET {path} ({operation['tags'][0]})"
        for path, item in spec.document["paths"].items()
        if (operation := item.get("get")) is not None
        and not set(operation.get("tags", ())) & OUT_OF_SCOPE_TAGS
        and f"GET {path}" not in ROUTES_BY_ID
        and f"GET {path}" not in ON_DERIVED_DATA
    ]
    assert not missing, f"GET operations of the spec the sandbox does not answer: {missing}"


def test_every_enumerated_query_value_of_the_spec_is_accepted(spec: Spec, resolve: Callable) -> None:
    """The sandbox must not refuse what Asana accepts: each `enum` value or boolean of a query parameter."""
    refused: list[str] = []
    for route_key, route in ROUTES_BY_ID.items():
        choice = resolve(route_key)
        if not choice.records:
            continue
        for name, parameter in spec.parameters(route).items():
            schema = parameter.get("schema", {})
            values = schema.get("enum") or schema.get("items", {}).get("enum") or []
            if schema.get("type") == "boolean":
                values = ["true", "false"]
            if parameter.get("in") != "query" or name == "opt_fields":
                continue
            for value in values:
                query = {**choice.call.query, name: str(value)}
                response = choice.sandbox.get(choice.call.path, query)
                if response.status_code != 200:
                    refused.append(
                        f"{route_key} ?{name}={value}: {response.status_code} {response.text[:150]}"
                    )
    assert not refused, "\n".join(refused)


# Values a client may send by mistake; whatever the route, the answer is a 4xx in Asana's shape (or a 200).
MALFORMED = {
    "limit": ["0", "x"],
    "offset": ["%%%", "eyJwIjoiYSIsInQiOjF9"],
    "opt_fields": [",,,", "assignee.assignee.assignee"],
    "completed_since": ["2020-02-30"],
    "modified_since": ["bad"],
    "archived": ["1"],
    "sync": ["eyJzIjotMSwiciI6IjEiLCJ0IjoxfQ"],
    "count": ["x"],
    "resource_type": ["workspace"],
    "sort_by": ["x"],
    "start_on": ["x"],
    "created_since": ["x"],
}


@pytest.mark.parametrize("route_key", ROUTE_IDS)
def test_malformed_query_values_are_never_a_server_error(resolve: Callable, route_key: str) -> None:
    choice = resolve(route_key)
    failures: list[str] = []
    for name, values in MALFORMED.items():
        for value in values:
            response = choice.sandbox.get(choice.call.path, {**choice.call.query, name: value})
            if response.status_code >= 500:
                failures.append(f"?{name}={value!r}: {response.status_code} {response.text[:150]}")
            elif response.status_code >= 400 and response.status_code != 412:
                errors = response.json().get("errors")
                if not (isinstance(errors, list) and errors and errors[0].get("message")):
                    failures.append(f"?{name}={value!r}: {response.status_code} not in Asana's shape")
    assert not failures, "\n".join(failures)
