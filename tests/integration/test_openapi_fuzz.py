"""Schemathesis over the node's own OpenAPI document: no 5xx, every response as documented.

Every operation of GET /api/v1/openapi.json is called through the app's WSGI interface with
requests schemathesis derives from the document (valid and invalid ones), sent by a user whose
role the operation admits (the feed: signed by a partner node), so that requests get past
authentication. Each response must be no server error, have a status code the operation
declares, and carry the declared content type and body. On both databases: PostgreSQL
refuses what SQLite lets through (NUL characters in text parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.openapi.checks import UndefinedStatusCode
from werkzeug.test import TestResponse

from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync import httpsig

from ..conftest import postgresql_is_slow, token_for

#: Bounded so that no token comes near the per-token rate limit (600 per minute per route).
#: Fuzzing every operation takes 35-45 s a database on an idle 2-core machine: PostgreSQL's
#: run is in the slow suite; the pinned requests below hold what it found (NUL characters)
#: on both databases in every run.
settings.register_profile("openapi-fuzz", max_examples=50, deadline=None)
FUZZ = settings.get_profile("openapi-fuzz")

#: Operations only administrators may call (enforce_share/api/audit.py, feed.py). The
#: document says an operation needs a token, not which role, hence this list.
ADMIN_PATHS = frozenset({"/api/v1/audit", "/api/v1/audit/verify", "/api/v1/sync/status"})
SHARED = {"tlp": "green", "releasable_to": ["GBR", "USA"]}


def status_code_declared(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                         case: schemathesis.Case) -> None:
    """The status is one the operation declares itself, not only its ``default`` response.

    flask-smorest gives every operation a ``default`` (DEFAULT_ERROR) response, which makes
    schemathesis' status_code_conformance accept any status at all.
    """
    if case.method.upper() != case.operation.method.upper():
        return  # a probe with a method the path does not serve: not this operation's answer
    declared = [code for code in case.operation.responses.status_codes if code != "default"]
    status = str(response.status_code)
    if not any(code in (status, status[0] + "XX") for code in map(str.upper, declared)):
        raise UndefinedStatusCode(
            operation=case.operation.label, status_code=response.status_code,
            defined_status_codes=declared, allowed_status_codes=[],
            message=f"Received: {status}\nDeclared (besides default): {', '.join(declared)}")


#: The issue's "done means": no 5xx; status code, content type and body as documented.
CHECKS = [not_a_server_error, status_code_conformance, status_code_declared,
          content_type_conformance, response_schema_conformance]


@pytest.fixture
def tokens(node) -> dict[str, str]:
    """A liaison (records, checkpoints, sessions) and an administrator (audit, sync status)."""
    return {role: token_for(node, role, role) for role in ("liaison", "admin")}


def bearer(tokens: dict[str, str], case: schemathesis.Case) -> dict[str, str]:
    """The Authorization header of a user the operation admits."""
    role = "admin" if case.operation.path in ADMIN_PATHS else "liaison"
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.fixture
def seeded(node, drafts) -> dict[str, str]:
    """Ids of stored records in every state: superseded, latest, withdrawn, plain."""
    superseded, withdrawn = node.add_records([drafts("actor", SHARED), drafts("case", SHARED)])
    (latest,) = node.add_records([Draft("actor", SHARED, drafts("actor").body,
                                        supersedes=superseded.id)])
    plain, _ = node.add_records([
        drafts("violation", SHARED),
        Draft("withdrawal", SHARED, {"target": withdrawn.id, "reason": "Entered twice"})])
    return {"superseded": superseded.id, "latest": latest.id, "withdrawn": withdrawn.id,
            "plain": plain.id}


@pytest.fixture
def api_schema(app, seeded) -> schemathesis.BaseSchema:
    """The document as the app serves it, over a node holding records."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's from_fixture reads and renames the test's private `_nodeid`, which
    # pytest 9.2 no longer has (AttributeError before any request). Drop this once it adapts.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# The feed admits partner nodes only, by signature: test_feed_responses_are_documented.
people = schemathesis.pytest.from_fixture("api_schema").exclude(path="/api/v1/feed")
feed = schemathesis.pytest.from_fixture("api_schema").include(path="/api/v1/feed")


@postgresql_is_slow
@people.parametrize()
@FUZZ
def test_every_response_is_documented(case: schemathesis.Case, tokens: dict[str, str]) -> None:
    case.call_and_validate(headers=bearer(tokens, case), checks=CHECKS)


@pytest.fixture
def partner_signer(node, partner):
    """USA's current key, with USA registered as a partner of this (GBR) node."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), "http://127.0.0.1:1")
    with partner.reading() as session:
        return current_signer(session, "USA", partner.config.keys_dir)


def call_signed(app, signer, case: schemathesis.Case) -> TestResponse:
    """Send ``case`` signed as a partner's sync signs it (RFC 9421), over the query sent."""
    sent = case.as_transport_kwargs(base_url="http://localhost")
    request = requests.Request(sent["method"], f"http://localhost{sent['path']}",
                               params=sent["query_string"]).prepare()
    httpsig.sign_request(request, signer.kid, signer.key.private_key, "GBR")
    signature = {k: v for k, v in request.headers.items()
                 if k.startswith("Signature") or k == httpsig.TARGET_HEADER}
    # The path and query exactly as signed: werkzeug passes a raw query string through.
    return app.test_client().open(request.path_url, method=request.method, headers=signature)


@postgresql_is_slow
@feed.parametrize()
@FUZZ
def test_feed_responses_are_documented(case: schemathesis.Case, app, partner_signer) -> None:
    case.validate_response(call_signed(app, partner_signer, case), checks=CHECKS)


#: Requests fuzzing cannot make (it cannot guess stored ids nor write a valid record body),
#: and failures it finds only now and then, pinned: name -> (method, path, request parts).
PINNED: dict[str, tuple[str, str, Callable[[dict[str, str], Any], dict[str, Any]]]] = {
    "read the latest version": ("GET", "/api/v1/records/{record_id}", lambda ids, drafts: {
        "path_parameters": {"record_id": ids["latest"]}}),
    "read a superseded version": ("GET", "/api/v1/records/{record_id}", lambda ids, drafts: {
        "path_parameters": {"record_id": ids["superseded"]}}),
    "read a withdrawn record": ("GET", "/api/v1/records/{record_id}", lambda ids, drafts: {
        "path_parameters": {"record_id": ids["withdrawn"]}}),
    "list a page with a next cursor": ("GET", "/api/v1/records", lambda ids, drafts: {
        "query": {"limit": 1, "include_superseded": "true"}}),
    "write a record": ("POST", "/api/v1/records", lambda ids, drafts: {
        "body": drafts.payload("violation"), "media_type": "application/json"}),
    "withdraw a record": ("POST", "/api/v1/records", lambda ids, drafts: {
        "body": {"type": "withdrawal", "marking": SHARED,
                 "body": {"target": ids["plain"], "reason": "Entered twice"}},
        "media_type": "application/json"}),
    "supersede a superseded version": ("POST", "/api/v1/records", lambda ids, drafts: {
        "body": {**drafts.payload("actor"), "supersedes": ids["superseded"]},
        "media_type": "application/json"}),
    "this node's checkpoint": ("GET", "/api/v1/checkpoints/{origin}", lambda ids, drafts: {
        "path_parameters": {"origin": "GBR"}}),
    "audit before a seq beyond 64 bits": ("GET", "/api/v1/audit", lambda ids, drafts: {
        "query": {"before": 2**64}}),
    "audit of a user name with NUL": ("GET", "/api/v1/audit", lambda ids, drafts: {
        "query": {"user": "a\x00"}}),
    "sign in with NUL in the name": ("POST", "/api/v1/session", lambda ids, drafts: {
        "body": {"name": "a\x00", "password": "x"}, "media_type": "application/json"}),
    "record id with NUL": ("GET", "/api/v1/records/{record_id}", lambda ids, drafts: {
        "path_parameters": {"record_id": "\x00"}}),
    "checkpoint origin with NUL": ("GET", "/api/v1/checkpoints/{origin}", lambda ids, drafts: {
        "path_parameters": {"origin": "\x00"}}),
    "screen a shipment": ("POST", "/api/v1/screen", lambda ids, drafts: {
        "body": {"parties": [{**drafts("actor").body, "aliases": ["Tekhno Treyd"],
                              "role": "consignee", "incorporated": "2026-01-05",
                              "reference": "PO-17"}],
                 "items": [{"hs_code": "854231", "eccn": "3A991.a.2", "description": "MCUs"}],
                 "route": ["DE", "AM", "RU"], "destination": "RU"},
        "media_type": "application/json"}),
    "the public list as FollowTheMoney": ("GET", "/public/v1/diversionary-actors",
                                          lambda ids, drafts: {"query": {"format": "ftm"}}),
    "the public list as CSV": ("GET", "/public/v1/diversionary-actors",
                               lambda ids, drafts: {"query": {"format": "csv"}}),
}


@pytest.mark.parametrize("name", PINNED)
def test_pinned_request_is_answered_as_documented(api_schema, seeded, drafts, tokens,
                                                  name) -> None:
    method, path, parts = PINNED[name]
    case = api_schema[path][method].Case(**parts(seeded, drafts))
    case.call_and_validate(headers=bearer(tokens, case), checks=CHECKS)


def test_feed_after_a_seq_beyond_64_bits_is_refused(api_schema, app, partner_signer) -> None:
    case = api_schema["/api/v1/feed"]["GET"].Case(query={"origin": "GBR", "after": 2**64})
    case.validate_response(call_signed(app, partner_signer, case), checks=CHECKS)
