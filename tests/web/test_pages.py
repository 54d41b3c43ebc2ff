"""The web pages through Flask's test client: markings, escaping, CSRF, roles, field errors
(the same behaviour in a real browser: test_browser.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.models import Record
from enforce_share.signing import authority

from ..conftest import postgresql_is_slow, relay, root_of

pytestmark = postgresql_is_slow
HOSTILE_NAME = '<img src=x onerror="alert(1)">Hostile Trading'
HOSTILE_TITLE = "{{7*7}} diverted ${{7*7}} <script>alert(2)</script>"


def records_held(node) -> int:
    with node.reading() as session:
        return session.scalar(select(func.count()).select_from(Record))


def test_pages_send_people_to_sign_in_and_forbid_inline_script(app) -> None:
    anonymous = app.test_client()
    answer = anonymous.get("/search?q=x")
    assert answer.status_code == 302 and "/sign-in?next=/search" in answer.location
    page = anonymous.get("/sign-in")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["X-Frame-Options"] == "DENY"
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script
    assert not re.search(r"\sstyle=", page.text) and not re.search(r"\son[a-z]+=", page.text)
    assert app.test_client().get("/api/v1/node").headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'")


def test_every_script_and_style_comes_from_the_node(analyst) -> None:
    for page in (analyst.get("/"), analyst.get("/trends")):
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith(("/", "#", "data:")) for s in sources), sources
        for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text):
            with analyst.get(asset) as served:
                assert served.status_code == 200, asset
                assert served.headers["Cache-Control"].startswith("private, max-age")


def test_search_shows_only_what_the_agency_may_see(analyst, node, partner, drafts) -> None:
    """A USA record not released to GBR is in no page, count, facet or graph of GBR's."""
    shared = partner.add_records([drafts("actor", {"tlp": "amber", "releasable_to": [
        "USA", "GBR"]}, name="Shared Front LLC", countries=["AM"])])[0]
    secret = partner.add_records([drafts("actor", {"tlp": "amber", "releasable_to": ["USA"]},
                                         name="Secret Front LLC", countries=["KG"])])[0]
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    relay(node, partner)  # a careless relay: GBR holds the USA-only record in full
    page = analyst.get("/search?type=actor&name=Front")
    assert "Shared Front LLC" in page.text and "Secret Front LLC" not in page.text
    assert ">KG " not in page.text and "Kyrgyzstan" not in page.text  # no facet of it
    assert re.search(r"<strong>1</strong> record found", page.text)
    assert analyst.get(f"/records/{secret.id}").status_code == 404
    assert analyst.get(f"/actors/{secret.id}").status_code == 404
    assert analyst.get(f"/actors/{secret.id}/network.json").status_code == 404
    assert analyst.get(f"/records/{shared.id}").status_code == 200
    network = analyst.get(f"/actors/{shared.id}/network.json").json
    assert [n["name"] for n in network["nodes"]] == ["Shared Front LLC"]


def test_record_text_is_escaped_everywhere(analyst, node, drafts) -> None:
    actor = node.add_records([drafts("actor", name=HOSTILE_NAME)])[0]
    violation = node.add_records([drafts("violation", title=HOSTILE_TITLE, parties=[
        {"actor": actor.id, "role": "consignee"}])])[0]
    for url in (f"/records/{violation.id}", f"/actors/{actor.id}", "/search?q=diverted",
                f"/records/{actor.id}", "/"):
        text = analyst.get(url).text
        assert "<img src=x" not in text and "<script>alert" not in text, url
        assert ">49<" not in text and " 49 " not in text
    record_page = analyst.get(f"/records/{violation.id}").text
    assert "{{7*7}} diverted ${{7*7}} &lt;script&gt;alert(2)&lt;/script&gt;" in record_page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Hostile Trading" in record_page


def test_a_change_without_the_csrf_token_is_refused_and_stores_nothing(analyst, node) -> None:
    held = records_held(node)
    form = {"kind": "company", "name": "Forged Co", "tlp": "green", "releasable_to": "GBR"}
    refused = analyst.post("/write/actor", form, csrf=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = analyst.client.post("/write/actor", data={**form, "csrf_token": "x" * 43})
    assert wrong.status_code == 403
    assert records_held(node) == held
    assert analyst.post("/write/actor", form).status_code == 302
    assert records_held(node) == held + 1


def test_roles_reach_only_their_pages(analyst, liaison, admin, node, drafts) -> None:
    case = node.add_records([drafts("case")])[0]
    for url in ("/admin/sync", "/admin/users", "/admin/audit", "/admin/partners"):
        assert analyst.get(url).status_code == 403, url
        assert admin.get(url).status_code == 200, url
    assert analyst.get(f"/cases/{case.id}/brief?format=md").status_code == 403
    assert analyst.post("/admin/users", {"name": "mallory", "role": "admin"}).status_code == 403
    brief = liaison.get(f"/cases/{case.id}/brief?format=md")
    assert brief.status_code == 200 and "Operation Northern Relay" in brief.text
    assert admin.get("/search?q=x").status_code == 403  # no intelligence for administrators
    assert admin.get(f"/records/{case.id}").status_code == 403


def test_a_field_error_comes_back_next_to_the_field_and_nothing_is_stored(analyst,
                                                                           node) -> None:
    held = records_held(node)
    answer = analyst.post("/write/violation", {
        "title": "Lathes to Belarus", "summary": "Seen at the border.", "status": "suspected",
        "detected_on": "2026-02-30", "violation_types": "transshipment",
        "items-0-hs_code": "8458", "items-0-description": "CNC lathes",
        "route": "DE, XX, BY", "tlp": "amber", "releasable_to": "GBR"})
    assert answer.status_code == 422 and records_held(node) == held
    page = answer.text
    assert re.search(r'id="items-0-hs_code"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="items-0-hs_code-error"[^>]*>HS code must be 6 to 10 digits', page)
    assert re.search(r'id="f-detected_on-error"[^>]*>Not an ISO 8601 date', page)
    assert 'value="Lathes to Belarus"' in page  # what was typed stays


def test_same_as_is_a_signed_link_and_the_entity_changes(analyst, node, drafts) -> None:
    one = node.add_records([drafts("actor", name="Alpha Components LLC", countries=["AM"],
                                   identifiers=[])])[0]
    two = node.add_records([drafts("actor", name="Omega Parts OOO", countries=["RU"],
                                   identifiers=[], addresses=[], aliases=[])])[0]
    assert "Omega Parts" not in analyst.get(f"/actors/{one.id}").text.split("Candidate")[0]
    answer = analyst.post(f"/actors/{one.id}/judgements", {
        "other": two.id, "relation": "same_as", "tlp": "amber", "releasable_to": "GBR"})
    assert answer.status_code == 302
    entity = analyst.get(answer.location).text.split("Candidate")[0]
    assert "Alpha Components LLC" in entity and "Omega Parts OOO" in entity
    link = re.search(r'href="/records/([0-9a-f-]{36})">see it', analyst.get(answer.location).text)
    assert '"relation": "same_as"' in analyst.get(f"/records/{link.group(1)}/signed.json").text


def test_saved_searches_count_what_is_new_since_the_last_look(analyst, node, drafts) -> None:
    node.add_records([drafts("actor", name="First Front LLC")])
    answer = analyst.post("/searches", {"q": "Front", "type": "actor", "saved_name": "fronts"})
    assert answer.status_code == 302
    assert "nothing new" in analyst.get("/searches/new").text
    node.add_records([drafts("actor", name="Second Front LLC")])
    assert "1 new since your last look" in analyst.get("/searches/new").text
    page = analyst.get(answer.location + "?new=1").text
    assert "Second Front LLC" in page and "First Front LLC" not in page
    assert "nothing new" in analyst.get("/searches/new").text


def test_pages_are_audited_with_what_they_showed(analyst, admin, node, drafts) -> None:
    actor = node.add_records([drafts("actor")])[0]
    analyst.get(f"/records/{actor.id}")
    entries = admin.get(f"/admin/audit?record={actor.id}").text
    assert "GET /records/&lt;record_id&gt;" in entries and "ana" in entries


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_a_liaison_downloads_a_brief(liaison, node, drafts, fmt) -> None:
    case = node.add_records([drafts("case")])[0]
    answer = liaison.get(f"/cases/{case.id}/brief?format={fmt}")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert answer.data.startswith(b"%PDF") if fmt == "pdf" else b"<html" in answer.data[:200]


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_signing_in_never_leads_to_another_site(app, target) -> None:
    page = app.test_client().get(f"/sign-in?next={target}").text
    assert 'data-next="/"' in page and "evil" not in page


def test_signing_out_ends_the_session(analyst) -> None:
    assert analyst.get("/").status_code == 200
    assert analyst.post("/sign-out").status_code == 302
    assert analyst.get("/").status_code == 302  # to sign in again
    assert analyst.get("/api/v1/session").status_code == 401


def test_a_withdrawn_record_says_by_whom_and_why(analyst, node, drafts) -> None:
    actor = node.add_records([drafts("actor")])[0]
    node.add_records([Draft("withdrawal", drafts("actor").marking,
                            {"target": actor.id, "reason": "Reported in error"})])
    page = analyst.get(f"/records/{actor.id}")
    assert page.status_code == 410
    assert "Withdrawn by GBR" in page.text and "Reported in error" in page.text


def test_a_disavowed_record_is_shown_so_and_found_by_no_search(analyst, node, drafts) -> None:
    """Issue 15: what a stolen key signed stays readable, marked, and is never current."""
    stolen = node.add_records([drafts("actor", name="Stolen Key Trading")])[0]
    node.publish_statement(authority.sign(node.draft_disavowal(
        stolen.kid, [(stolen.seq, stolen.seq)], "key copied from a laptop"), root_of(node)))
    page = analyst.get(f"/records/{stolen.id}")
    assert page.status_code == 200 and "Disavowed by GBR" in page.text
    assert "key copied from a laptop" in page.text and "verified" in page.text
    assert "Stolen Key Trading" not in analyst.get("/search?name=Stolen").text


def test_records_found_are_added_to_a_case_as_its_new_version(analyst, node, drafts) -> None:
    created = analyst.post("/write/case", {
        "title": "Operation Glass Harbour", "lead_agency": "GBR", "status": "open",
        "opened": "2026-05-01", "tlp": "amber", "releasable_to": "GBR"})
    case_id = created.location.rsplit("/", 1)[1]
    violation = node.add_records([drafts("violation")])[0]
    added = analyst.client.post("/cases/add", data={
        "csrf_token": analyst.csrf, "case": case_id, "records": [violation.id]})
    assert added.status_code == 302
    page = analyst.get(added.location).text
    assert "1 record(s) added" in page and "Microcontrollers diverted" in page
    new_version = added.location.split("?")[0].rsplit("/", 1)[1]
    record = analyst.get(f"/records/{new_version}/signed.json").json["record"]
    assert record["supersedes"] == case_id and record["body"]["records"] == [violation.id]
    form = analyst.get(f"/records/{new_version}/edit").text
    assert 'value="Operation Glass Harbour"' in form and violation.id in form


def test_a_user_disabled_by_an_administrator_is_signed_out(analyst, admin) -> None:
    assert analyst.get("/").status_code == 200
    assert admin.post("/admin/users/ana/disable").status_code == 302
    assert analyst.get("/search?q=x").status_code == 302  # the node ended the session
    assert "disabled" in admin.get("/admin/users").text


def test_the_audit_chain_is_verified_from_its_page(admin) -> None:
    answer = admin.post("/admin/audit/verify")
    assert answer.status_code == 200 and "Chain intact" in answer.text
