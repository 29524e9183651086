"""`GET /reactions`: the reactions that a story's or status update's `reaction_summary` counts.

The demo's summaries are all empty (it has no reactions), so these tests give a story a summary first.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.helpers import error_message, workspace
from tests.sandbox_client import SandboxClient
from tests.spec import Endpoint, assert_conforms, load_spec

THUMBS = "👍"
SUMMARY = [
    {"emoji_base": THUMBS, "variant": THUMBS, "count": 3, "reacted": True},
    {"emoji_base": THUMBS, "variant": "👍🏽", "count": 2, "reacted": False},
    {"emoji_base": "🎉", "variant": "🎉", "count": 1, "reacted": False},
]


@pytest.fixture(scope="module")
def story(demo: SandboxClient) -> dict[str, Any]:
    """A comment of the shared demo sandbox, given a reaction summary (reads only from here on)."""
    comment = next(s for s in demo.store.all("story") if s["resource_subtype"] == "comment_added")
    demo.store.update(comment["gid"], {"reaction_summary": SUMMARY})
    return comment


def _reactions(client: SandboxClient, target: str, emoji_base: str = THUMBS, **params: Any) -> Any:
    return client.get("/reactions", target=target, emoji_base=emoji_base, **params)


def test_reactions_follow_the_summary_counts(demo: SandboxClient, story: dict[str, Any]) -> None:
    reactions = _reactions(demo, story["gid"]).json()["data"]
    assert [r["emoji"] for r in reactions] == [THUMBS] * 3 + ["👍🏽"] * 2
    me = demo.store.all("user")[0]["gid"]
    assert reactions[0]["user"]["gid"] == me  # the summary says the reading user reacted
    assert me not in {r["user"]["gid"] for r in reactions[3:]}
    thumbs = [r["user"]["gid"] for r in reactions[:3]]
    assert len(set(thumbs)) == 3 and len({r["gid"] for r in reactions}) == 5
    acme = workspace(demo.store)["gid"]
    users = {u["gid"] for u in demo.store.all("user") if any(w["gid"] == acme for w in u["workspaces"])}
    assert {r["user"]["gid"] for r in reactions} <= users
    assert set(reactions[0]) == {"gid", "emoji", "user"}
    party = _reactions(demo, story["gid"], "🎉").json()["data"]
    assert [r["emoji"] for r in party] == ["🎉"]
    assert _reactions(demo, story["gid"], "❤️").json()["data"] == []


def test_the_same_reactions_on_every_call_and_every_sandbox(
    demo: SandboxClient, story: dict[str, Any], sandbox: SandboxClient
) -> None:
    first = _reactions(demo, story["gid"]).json()["data"]
    assert _reactions(demo, story["gid"]).json()["data"] == first
    sandbox.store.update(story["gid"], {"reaction_summary": SUMMARY})
    assert _reactions(sandbox, story["gid"]).json()["data"] == first


def test_a_target_without_reactions_has_none(demo: SandboxClient) -> None:
    update = demo.store.all("status_update")[0]
    assert _reactions(demo, update["gid"]).json() == {"data": []}


def test_reactions_are_paginated_and_conform_to_the_spec(demo: SandboxClient, story: dict[str, Any]) -> None:
    spec = load_spec()
    schema = spec.response_schema(Endpoint("GET", "/reactions"), 200)
    page = _reactions(demo, story["gid"], limit=2).json()
    assert len(page["data"]) == 2 and page["next_page"]["offset"]
    assert_conforms(spec, schema, page, "GET /reactions?limit=2")
    rest = _reactions(demo, story["gid"], limit=10, offset=page["next_page"]["offset"]).json()
    assert len(rest["data"]) == 3 and rest["next_page"] is None
    fields = _reactions(demo, story["gid"], opt_fields="emoji,user.name,user.email").json()
    assert_conforms(spec, schema, fields, "GET /reactions with opt_fields")
    assert set(fields["data"][0]["user"]) == {"gid", "name", "email"}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"emoji_base": THUMBS}, 400, "target: Missing input"),
        ({"target": "STORY"}, 400, "emoji_base: Missing input"),
        ({"target": "404404404404", "emoji_base": THUMBS}, 404, "target: Unknown object"),
        ({"target": "TASK", "emoji_base": THUMBS}, 404, "target: Unknown object"),
    ],
)
def test_bad_reaction_requests(
    demo: SandboxClient, story: dict[str, Any], params: dict[str, str], status: int, message: str
) -> None:
    task = demo.store.all("task")[0]["gid"]
    params = {k: {"STORY": story["gid"], "TASK": task}.get(v, v) for k, v in params.items()}
    response = demo.get("/reactions", **params)
    assert response.status_code == status
    assert error_message(response.json()).startswith(message)
