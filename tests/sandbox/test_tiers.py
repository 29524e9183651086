"""Tier gates: premium features answer 402 on a free workspace; the audit log wants Enterprise and a
Service Account."""

from __future__ import annotations

import pytest

from .helpers import ACME, PERSONAL, error_message, workspace

PAYMENT_REQUIRED = "Payment Required: this feature is only available to premium organizations and workspaces."


@pytest.mark.parametrize("path", ["/goals", "/time_tracking_entries", "/allocations"])
def test_premium_lists_answer_402_on_a_free_workspace(demo, path: str) -> None:
    response = demo.get(path, workspace=workspace(demo.store, PERSONAL)["gid"])
    assert response.status_code == 402
    assert error_message(response.json()) == PAYMENT_REQUIRED


@pytest.mark.parametrize("path", ["/goals", "/time_tracking_entries", "/allocations"])
def test_premium_lists_answer_on_a_paid_workspace(demo, path: str) -> None:
    assert demo.get(path, workspace=workspace(demo.store, ACME)["gid"]).status_code == 200


def test_task_search_answers_402_on_a_free_workspace(demo) -> None:
    response = demo.get(f"/workspaces/{workspace(demo.store, PERSONAL)['gid']}/tasks/search", text="a")
    assert response.status_code == 402
    error_message(response.json())


def test_the_audit_log_of_an_enterprise_org_always_has_a_next_page(demo) -> None:
    path = f"/workspaces/{workspace(demo.store, ACME)['gid']}/audit_log_events"
    first = demo.get(path, limit=100).json()
    assert first["data"]
    assert first["next_page"] is not None  # even though every event fits on this page: a stream
    later = demo.get(path, limit=100, offset=first["next_page"]["offset"]).json()
    assert later["data"] == []
    assert later["next_page"] is not None


def test_audit_log_events_come_whole(demo) -> None:
    path = f"/workspaces/{workspace(demo.store, ACME)['gid']}/audit_log_events"
    event = demo.get(path, limit=1).json()["data"][0]
    assert {"gid", "created_at", "event_type", "event_category", "actor", "resource", "context"} <= set(event)


def test_the_audit_log_of_a_non_enterprise_workspace_is_a_402(demo) -> None:
    response = demo.get(f"/workspaces/{workspace(demo.store, PERSONAL)['gid']}/audit_log_events")
    assert response.status_code == 402
    error_message(response.json())


def test_the_audit_log_wants_a_service_account_token(sandbox_factory) -> None:
    client = sandbox_factory(service_account=False)
    response = client.get(f"/workspaces/{workspace(client.store, ACME)['gid']}/audit_log_events")
    assert response.status_code == 403
    error_message(response.json())


def test_a_tier_override_opens_premium_features_on_every_workspace(sandbox_factory) -> None:
    client = sandbox_factory(tier="premium")
    assert client.get("/goals", workspace=workspace(client.store, PERSONAL)["gid"]).status_code == 200


def test_a_user_token_lists_only_the_portfolios_it_owns(sandbox_factory) -> None:
    client = sandbox_factory(service_account=False)
    acme = workspace(client.store, ACME)["gid"]
    me = client.get("/users/me").json()["data"]["gid"]
    listed = client.get("/portfolios", workspace=acme, opt_fields="owner").json()["data"]
    assert all(p["owner"]["gid"] == me for p in listed)
    owned = [p for p in client.store.all("portfolio") if p.get("owner", {}).get("gid") == me]
    assert len(listed) == len(owned)
    assert len(client.store.all("portfolio")) > len(owned)  # some are someone else's


def test_a_service_account_lists_every_portfolio_of_the_workspace(demo) -> None:
    acme = workspace(demo.store, ACME)["gid"]
    listed = demo.get("/portfolios", workspace=acme).json()["data"]
    assert len(listed) == len(demo.store.related("portfolio", "workspace", acme))
