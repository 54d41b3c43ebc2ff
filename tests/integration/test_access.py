"""Who may call what: every role against every endpoint, tokens that expire or are revoked,
and the audit entry each request leaves."""

from __future__ import annotations

import getpass
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from enforce_share.access.models import ApiToken
from enforce_share.audit import trail
from enforce_share.audit.refusals import RefusalWindow
from enforce_share.cli import main
from enforce_share.clock import timestamp
from enforce_share.db import utcnow
from enforce_share.exports.identifiers import collection_id

from ..conftest import client_as, postgresql_is_slow, token_for

SHARED = {"tlp": "green", "releasable_to": ["GBR", "USA"]}
ROLES = ("analyst", "liaison", "admin")
PUBLIC, PEOPLE = "public", ("analyst", "liaison")
TAXII_GREEN = f"/taxii2/api/collections/{collection_id('green')}"

#: (method, path, who may: "public" or the roles) — every endpoint of the API.
ENDPOINTS = [
    ("GET", "/api/v1/node", PUBLIC),
    ("GET", "/.well-known/enforce-share/jwks.json", PUBLIC),
    ("GET", "/api/v1/openapi.json", PUBLIC),
    ("GET", "/api/v1/records", PEOPLE),
    ("POST", "/api/v1/records", PEOPLE),
    ("GET", "/api/v1/records/{record}", PEOPLE),
    ("GET", "/api/v1/search?q=steel", PEOPLE),
    ("GET", "/api/v1/searches", PEOPLE),
    ("POST", "/api/v1/searches", PEOPLE),
    ("GET", "/api/v1/searches/1/results", PEOPLE),  # 404 unless the caller saved search 1
    ("DELETE", "/api/v1/searches/1", PEOPLE),
    ("GET", "/api/v1/entities", PEOPLE),
    ("GET", "/api/v1/actors/{record}/matches", PEOPLE),
    ("GET", "/api/v1/graph/clusters", PEOPLE),
    ("GET", "/api/v1/graph/paths?from={record}", PEOPLE),
    ("GET", "/api/v1/graph/hubs", PEOPLE),
    ("GET", "/api/v1/graph/neighbourhood/{record}?format=svg", PEOPLE),
    ("GET", "/api/v1/export/stix?type=actor", PEOPLE),
    ("GET", "/api/v1/export/csv?type=actor", PEOPLE),
    ("GET", "/api/v1/export/bundle?type=actor", PEOPLE),
    ("GET", "/taxii2/", PEOPLE),
    ("GET", "/taxii2/api/", PEOPLE),
    ("GET", "/taxii2/api/collections/", PEOPLE),
    ("GET", f"{TAXII_GREEN}/", PEOPLE),
    ("GET", f"{TAXII_GREEN}/objects/", PEOPLE),
    ("GET", f"{TAXII_GREEN}/manifest/", PEOPLE),
    ("GET", "/api/v1/cases/{case}/brief?format=md", ("liaison",)),
    ("GET", "/api/v1/checkpoints/GBR", ("analyst", "liaison", "admin")),
    ("POST", "/api/v1/screen", PEOPLE),
    ("GET", "/api/v1/lists", ROLES),
    ("GET", "/public/v1/diversionary-actors", PUBLIC),
    ("GET", "/api/v1/feed?origin=GBR", ()),  # partner nodes only, by signature
    ("GET", "/api/v1/sync/status", ("admin",)),
    ("GET", "/api/v1/audit", ("admin",)),
    ("GET", "/api/v1/session", ROLES),
    ("DELETE", "/api/v1/session", ROLES),
]


@pytest.fixture
def tokens(node) -> dict[str, str]:
    return {role: token_for(node, role, role) for role in ROLES}


@pytest.fixture
def record(node, drafts):
    (row,) = node.add_records([drafts("actor", SHARED)])
    return row


def token_id(token: str) -> str:
    return token[3:19]  # es_<16 hex>_<secret>


def call(app, token, method, path, record, drafts):
    client = client_as(app, token)
    if "{case}" in path:  # a case naming the record
        (case,) = app.extensions["enforce_share"].add_records([drafts(
            "case", SHARED, records=[record.id])])
        path = path.replace("{case}", case.id)
    path = path.format(record=record.id)
    if method == "POST" and path.endswith("/searches"):
        return client.post(path, json={"name": "steel", "query": {"q": "steel"}})
    if method == "POST" and path.endswith("/screen"):
        return client.post(path, json={"parties": [{"name": "Tekhno Treyd LLC"}]})
    if method == "POST":
        return client.post(path, json=drafts.payload("actor"))
    return client.open(path, method=method)


@postgresql_is_slow  # each endpoint's reads and writes are tested on PostgreSQL in its file
@pytest.mark.parametrize("method, path, allowed", ENDPOINTS)
@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_against_each_endpoint(app, tokens, record, drafts, method, path, allowed,
                                         role) -> None:
    response = call(app, tokens.get(role), method, path, record, drafts)
    if allowed == PUBLIC or role in allowed:
        expected = (404,) if "/searches/1" in path else (200, 201, 204)
        assert response.status_code in expected, response.json
    elif role is None:
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"
    else:
        assert response.status_code == 403
        assert error_code(response) == "forbidden"


def error_code(response) -> str:
    """The stable error code: of our JSON error body, or of a TAXII error message (/taxii2/)."""
    body = response.json
    return body["error"]["code"] if "error" in body else body["error_code"]


def test_openapi_states_the_security_of_each_operation(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http",
                                     "scheme": "bearer"}
    paths = spec["paths"]
    assert paths["/api/v1/records"]["post"]["security"] == [{"bearerAuth": []},
                                                            {"sessionCookie": []}]
    assert paths["/api/v1/feed"]["get"]["security"] == [{"httpSignature": []}]
    assert "security" not in paths["/api/v1/node"]["get"]
    guarded = [(path, method) for path, operations in paths.items()
               for method, operation in operations.items() if "security" in operation]
    assert len(guarded) == 29  # all but node, JWK Set, OpenAPI, signing in, the public list
    assert "security" not in paths["/public/v1/diversionary-actors"]["get"]


def test_an_expired_token_is_refused(app, node, tokens) -> None:
    analyst = client_as(app, tokens["analyst"])
    assert analyst.get("/api/v1/records").status_code == 200
    with node.transaction() as session:
        session.execute(update(ApiToken).values(expires=utcnow() - timedelta(seconds=1)))
    refused = analyst.get("/api/v1/records")
    assert refused.status_code == 401
    assert refused.json["error"]["message"] == "Invalid, expired or revoked token"


def test_a_revoked_token_stops_at_once(app, node) -> None:
    token = token_for(node, "dana", "analyst")
    analyst = client_as(app, token)
    assert analyst.get("/api/v1/records").status_code == 200  # its secret is now remembered
    node.revoke_token(token_id(token))
    assert analyst.get("/api/v1/records").status_code == 401


def test_a_disabled_user_loses_every_token(app, node) -> None:
    first, second = token_for(node, "erin", "analyst"), node.issue_token("erin").token
    assert node.disable_user("erin") == 2
    for token in (first, second):
        assert client_as(app, token).get("/api/v1/records").status_code == 401


@pytest.mark.parametrize("header", [
    "Bearer es_0123456789abcdef_" + "A" * 43,  # well-formed, unknown
    "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer ", "es_0123456789abcdef_x",
])
def test_bad_credentials_are_refused_alike(anonymous, header) -> None:
    response = anonymous.get("/api/v1/records", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="enforce-share"'


def test_a_wrong_secret_for_a_known_token_is_refused(app, node, tokens) -> None:
    forged = f"es_{token_id(tokens['analyst'])}_{'B' * 43}"
    assert client_as(app, tokens["analyst"]).get("/api/v1/records").status_code == 200
    assert client_as(app, forged).get("/api/v1/records").status_code == 401


def test_cli_tokens_expire_after_the_days_given(node) -> None:
    node.add_user("fay", "liaison")
    node.issue_token("fay", timedelta(days=30))
    with node.reading() as session:
        (row,) = session.scalars(select(ApiToken).where(ApiToken.user == "fay"))
        expires = row.expires if row.expires.tzinfo else row.expires.replace(
            tzinfo=utcnow().tzinfo)
    assert timedelta(days=29, hours=23) < expires - utcnow() <= timedelta(days=30)


# --- the audit trail ------------------------------------------------------------------------


def newest(node, count: int = 1) -> list[dict]:
    with node.reading() as session:
        return [trail.as_dict(e) for e in trail.entries(session, limit=count)]


def test_reads_and_writes_are_audited_with_record_ids(app, node, tokens, drafts) -> None:
    analyst = client_as(app, tokens["analyst"])
    response = analyst.post("/api/v1/records", json=drafts.payload("actor"))
    written = response.json["record"]
    (entry,) = newest(node)
    assert (entry["actor"], entry["role"], entry["action"], entry["outcome"]) == (
        "analyst", "analyst", "POST /api/v1/records", "201")
    assert entry["target"]["records"] == [written["id"]]
    assert entry["request_id"] == response.headers["X-Request-ID"]
    analyst.get(f"/api/v1/records/{written['id']}")
    assert newest(node)[0]["target"]["record_id"] == written["id"]
    analyst.get("/api/v1/records?limit=5")
    listed = newest(node)[0]
    assert written["id"] in listed["target"]["records"]
    assert listed["target"]["query"] == {"limit": ["5"]}


def test_refusals_are_audited_without_the_secret(app, node, tokens) -> None:
    known, secret = token_id(tokens["analyst"]), tokens["analyst"][20:]
    client_as(app, f"es_{known}_{'C' * 43}").get("/api/v1/records")
    client_as(app, tokens["analyst"]).get("/api/v1/audit")
    forbidden, failed = newest(node, 2)
    assert (failed["actor"], failed["outcome"]) == (f"token:{known}", "401")
    assert (forbidden["actor"], forbidden["outcome"]) == ("analyst", "403")
    with node.reading() as session:
        assert not [e for e in trail.entries(session, limit=1000)
                    if secret in e.target or secret in e.actor]
    client_as(app, f"es_{'0' * 16}_{'C' * 43}").get("/api/v1/records")  # no such token
    (made_up,) = newest(node)
    assert (made_up["actor"], made_up["outcome"]) == ("anonymous", "401")  # not its choice


def test_a_flood_of_refusals_writes_a_row_a_minute_not_a_row_each(app, node) -> None:
    """3,000 anonymous 401s added 14 MB to the trail in 22 s (issue 17)."""
    clock = [0.0]
    app.extensions["enforce_share_refusals"] = RefusalWindow(lambda: clock[0])
    with node.reading() as session:
        before = len(list(trail.entries(session, limit=100_000)))
    for number in range(300):
        response = client_as(app, f"junk-{number}").get("/api/v1/records")
        assert response.status_code == 401
    with node.reading() as session:
        assert len(list(trail.entries(session, limit=100_000))) == before + 1
    clock[0] += 61
    client_as(app, "junk-again").get("/api/v1/records")
    (latest,) = newest(node)
    assert (latest["actor"], latest["outcome"]) == ("anonymous", "401")
    assert latest["target"]["held_back"] == 299
    with node.reading() as session:
        assert trail.verify(session).problem is None


def test_admins_filter_the_trail_by_user_record_and_time(app, node, tokens, record) -> None:
    analyst, admin = client_as(app, tokens["analyst"]), client_as(app, tokens["admin"])
    start = timestamp(utcnow())
    for _ in range(3):
        analyst.get(f"/api/v1/records/{record.id}")
    mine = admin.get("/api/v1/audit?user=analyst&limit=2").json
    assert [e["actor"] for e in mine["items"]] == ["analyst", "analyst"]
    rest = admin.get(f"/api/v1/audit?user=analyst&limit=2&before={mine['next']}").json
    assert [e["actor"] for e in rest["items"]] == ["analyst"] and rest["next"] is None
    about = admin.get(f"/api/v1/audit?record={record.id}").json["items"]
    assert len(about) == 3
    later = admin.get(f"/api/v1/audit?from={start}&user=analyst").json["items"]
    assert len(later) == 3
    assert admin.get("/api/v1/audit?to=2000-01-01T00:00:00Z").json["items"] == []
    bad = admin.get("/api/v1/audit?from=yesterday")
    assert bad.status_code == 422 and "from" in bad.json["error"]["fields"]


def test_admins_read_who_searched_when_but_not_for_what(app, node, tokens, record) -> None:
    """Administrators run the node but may not read intelligence: the search terms an
    analyst typed are withheld from them (issue 17); the trail itself keeps them whole."""
    analyst, admin = client_as(app, tokens["analyst"]), client_as(app, tokens["admin"])
    assert analyst.get("/api/v1/search?q=Tekhno%20Treyd&country=AM").status_code == 200
    page = admin.get("/api/v1/audit?user=analyst").json
    (searched,) = [e for e in page["items"] if e["action"] == "GET /api/v1/search"]
    assert searched["target"]["query"] == {"q": ["(withheld)"], "country": ["(withheld)"]}
    assert "Tekhno" not in json.dumps(page)
    with node.reading() as session:
        kept = [e for e in trail.entries(session, limit=1000) if "Tekhno Treyd" in e.target]
        assert len(kept) == 1 and trail.verify(session).problem is None


def test_admin_changes_are_audited(node) -> None:
    """Each `users` command names who ran it and what changed, never the token's secret."""
    def run(*args: str) -> str:
        done = CliRunner().invoke(main, ["--data-dir", str(node.config.data_dir), *args])
        assert done.exit_code == 0, done.output
        return done.output.strip()

    run("users", "add", "gil", "--role", "analyst")
    token = run("users", "token", "gil")
    run("users", "revoke-token", token_id(token))
    entries = list(reversed(newest(node, 3)))
    operator = f"cli:{getpass.getuser()}"
    assert [(e["actor"], e["action"]) for e in entries] == [
        (operator, "users add"), (operator, "users token"), (operator, "users revoke-token")]
    assert [e["target"]["user"] for e in entries] == ["gil"] * 3
    assert entries[1]["target"]["token"] == entries[2]["target"]["token"] == token_id(token)
    assert token[20:] not in json.dumps(entries)


@pytest.mark.parametrize("tamper, problem", [
    ("UPDATE audit_entries SET outcome = '500' WHERE seq = 2", "entry 2 was altered"),
    ("DELETE FROM audit_entries WHERE seq = 2", "entry 2 is missing"),
    ("DELETE FROM audit_entries WHERE seq = 4", "entries were removed from the end"),
    ("UPDATE audit_head SET head = '" + "f" * 64 + "'", "the head does not match"),
])
def test_a_tampered_trail_is_detected(app, node, tokens, tamper, problem) -> None:
    from sqlalchemy import text

    analyst = client_as(app, tokens["analyst"])
    for _ in range(4):
        analyst.get("/api/v1/records")
    with node.reading() as session:
        assert trail.verify(session).problem is None
        count = trail.verify(session).entries
    assert count >= 4
    with node.transaction() as session:
        session.execute(text(tamper.replace("seq = 4", f"seq = {count}")))
    with node.reading() as session:
        assert problem in trail.verify(session).problem


def test_the_cli_manages_users_and_checks_the_trail(app, node) -> None:
    from click.testing import CliRunner
    from sqlalchemy import text

    from enforce_share.cli import main

    runner, base = CliRunner(), ["--data-dir", str(node.config.data_dir)]
    env = {"DATABASE_URL": node.config.database_url or ""}

    def run(*args):
        return runner.invoke(main, [*base, *args], env=env)

    assert run("users", "add", "hal", "--role", "liaison").output == "user hal: liaison\n"
    issued = run("users", "token", "hal", "--expires-in", "7")
    token = issued.output.strip()
    assert issued.exit_code == 0 and client_as(app, token).get(
        "/api/v1/records").status_code == 200
    listed = run("users", "list").output
    assert f"token {token_id(token)}\texpires " in listed and "\tvalid" in listed
    refused = run("users", "add", "Hal!", "--role", "analyst")
    assert refused.exit_code == 1 and "name" in refused.output
    assert run("users", "revoke-token", token_id(token)).exit_code == 0
    assert client_as(app, token).get("/api/v1/records").status_code == 401
    intact = run("audit", "verify")
    assert intact.exit_code == 0 and "audit trail intact" in intact.output
    with node.transaction() as session:
        session.execute(text("UPDATE audit_entries SET actor = 'someone' WHERE seq = 1"))
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert "audit trail broken after 0 good entries: entry 1 was altered" in broken.output
