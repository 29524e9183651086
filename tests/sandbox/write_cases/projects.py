"""Write cases for projects: create, update, delete, members and followers, statuses, briefs, settings."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _organization(store: Store) -> Record:
    return next(w for w in store.all("workspace") if w["is_organization"])


def _personal(store: Store) -> str:
    return next(w["gid"] for w in store.all("workspace") if not w["is_organization"])


def _team(store: Store) -> str:
    return store.all("team")[0]["gid"]


def _project(store: Store) -> Record:
    return store.all("project")[0]


def _outsiders(store: Store) -> str:
    """Two users of the project's workspace who are not its members, as a comma-separated string."""
    project = _project(store)
    members = {m["gid"] for m in project["members"]}
    users = [
        m["user"]["gid"]
        for m in store.related("workspace_membership", "workspace", project["workspace"]["gid"])
        if m["user"]["gid"] not in members
    ]
    return ",".join(users[:2])


def _briefless(store: Store) -> str:
    return next(p["gid"] for p in store.all("project") if not p["project_brief"])


def _with(resource_type: str):
    return lambda store: store.all(resource_type)[0]["gid"]


CASES = [
    WriteCase(
        "POST /projects",
        lambda s: WriteRequest(
            "/projects",
            {
                "data": {
                    "name": "Launch plan",
                    "workspace": _organization(s)["gid"],
                    "team": _team(s),
                    "color": "dark-green",
                    "default_view": "board",
                    "due_on": "2026-09-30",
                    "start_on": "2026-09-01",
                    "notes": "Everything for the launch.",
                    "privacy_setting": "private",
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /projects",
        lambda s: WriteRequest("/projects", {"data": {"name": "x", "workspace": _organization(s)["gid"]}}),
        400,
        "organization without team",
    ),
    WriteCase(
        "POST /teams/{team_gid}/projects",
        lambda s: WriteRequest(
            f"/teams/{_team(s)}/projects", {"data": {"name": "Team plan", "public": False}}
        ),
        201,
    ),
    WriteCase(
        "POST /teams/{team_gid}/projects",
        lambda s: WriteRequest("/teams/1/projects", {"data": {"name": "x"}}),
        404,
        "unknown team",
    ),
    WriteCase(
        "POST /workspaces/{workspace_gid}/projects",
        lambda s: WriteRequest(
            f"/workspaces/{_personal(s)}/projects",
            {"data": {"name": "Home", "html_notes": "<body>Hi</body>"}},
        ),
        201,
    ),
    WriteCase(
        "PUT /projects/{project_gid}",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}",
            {"data": {"name": "Renamed", "archived": True, "color": "light-blue", "owner": None}},
        ),
    ),
    WriteCase(
        "PUT /projects/{project_gid}",
        lambda s: WriteRequest(f"/projects/{_project(s)['gid']}", {"data": {"followers": "me"}}),
        400,
        "create-only",
    ),
    WriteCase("DELETE /projects/{project_gid}", lambda s: WriteRequest(f"/projects/{_project(s)['gid']}")),
    WriteCase("DELETE /projects/{project_gid}", lambda s: WriteRequest("/projects/1"), 404, "unknown"),
    WriteCase(
        "POST /projects/{project_gid}/addMembers",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}/addMembers", {"data": {"members": _outsiders(s)}}
        ),
    ),
    WriteCase(
        "POST /projects/{project_gid}/addMembers",
        lambda s: WriteRequest(f"/projects/{_project(s)['gid']}/addMembers", {"data": {"members": "abc"}}),
        400,
        "malformed",
    ),
    WriteCase(
        "POST /projects/{project_gid}/removeMembers",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}/removeMembers",
            {"data": {"members": _project(s)["members"][-1]["gid"]}},
        ),
    ),
    WriteCase(
        "POST /projects/{project_gid}/addFollowers",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}/addFollowers", {"data": {"followers": _outsiders(s)}}
        ),
    ),
    WriteCase(
        "POST /projects/{project_gid}/removeFollowers",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}/removeFollowers",
            {"data": {"followers": _project(s)["followers"][0]["gid"]}},
        ),
    ),
    WriteCase(
        "POST /projects/{project_gid}/project_statuses",
        lambda s: WriteRequest(
            f"/projects/{_project(s)['gid']}/project_statuses",
            {"data": {"title": "Week 12", "text": "On track.", "color": "green"}},
        ),
        201,
    ),
    WriteCase(
        "POST /projects/{project_gid}/project_statuses",
        lambda s: WriteRequest(f"/projects/{_project(s)['gid']}/project_statuses", {"data": {"text": "x"}}),
        400,
        "no color",
    ),
    WriteCase(
        "DELETE /project_statuses/{project_status_gid}",
        lambda s: WriteRequest(f"/project_statuses/{_with('project_status')(s)}"),
    ),
    WriteCase(
        "POST /projects/{project_gid}/project_briefs",
        lambda s: WriteRequest(
            f"/projects/{_briefless(s)}/project_briefs",
            {"data": {"title": "Why", "html_text": "<body>Because <strong>customers</strong> asked.</body>"}},
        ),
        201,
    ),
    WriteCase(
        "PUT /project_briefs/{project_brief_gid}",
        lambda s: WriteRequest(
            f"/project_briefs/{_with('project_brief')(s)}", {"data": {"text": "New text"}}
        ),
    ),
    WriteCase(
        "DELETE /project_briefs/{project_brief_gid}",
        lambda s: WriteRequest(f"/project_briefs/{_with('project_brief')(s)}"),
    ),
    WriteCase(
        "PUT /project_portfolio_settings/{project_portfolio_setting_gid}",
        lambda s: WriteRequest(
            f"/project_portfolio_settings/{_with('project_portfolio_setting')(s)}",
            {"data": {"is_access_control_inherited": False}},
        ),
    ),
]
