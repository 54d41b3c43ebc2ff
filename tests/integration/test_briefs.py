"""Joint-investigation briefs: markings, content, the PDF as a person reads it, regeneration,
the audit trail, the API and the CLI, the companion bundle; on both databases."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import schemathesis
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

from enforce_share.audit import trail
from enforce_share.briefs.gather import gather
from enforce_share.briefs.service import make_brief
from enforce_share.cli import main
from enforce_share.demo.scenario import write_scenario
from enforce_share.demo.scenario.load import load_own_drafts
from enforce_share.errors import InvalidInput
from enforce_share.graph.picture import colour
from enforce_share.members import FOUNDING
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.ingest import ingest
from enforce_share.records.models import Record
from enforce_share.records.queries import signed, visible_to
from enforce_share.sync.bundle import import_bundle
from enforce_share.sync.bundle_verify import verify_bundle
from enforce_share.sync.puller import pull_origin

from ..conftest import client_as, make_node, postgresql_is_slow, token_for
from .test_bundle import LocalPeer, jose_verified, published
from .test_openapi_fuzz import CHECKS

GBR_WIDE = {"tlp": "amber", "releasable_to": ["GBR", "USA", "CAN"]}
USA_SHARED = {"tlp": "green", "releasable_to": ["USA", "GBR", "AUS"]}
STRICT = {"tlp": "amber+strict", "releasable_to": ["GBR", "USA"]}
USA_ONLY = {"tlp": "amber", "releasable_to": ["USA"]}
STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def company(name: str, country: str, *identifiers: tuple[str, str], **more: Any) -> dict:
    return {"kind": "company", "name": name, "countries": [country],
            "identifiers": [{"scheme": s, "value": v} for s, v in identifiers], **more}


def violation(title: str, parties: list[tuple[str, str]], route: list[str],
              **more: Any) -> dict:
    return {"title": title, "summary": "Re-exported without licence.", "status": "confirmed",
            "detected_on": "2026-03-14", "violation_types": ["reexport_diversion"],
            "parties": [{"actor": actor, "role": role} for actor, role in parties],
            "route": route, **more}


@pytest.fixture
def world(node: Node, partner: Node) -> dict[str, str]:
    """A GBR case over GBR's and USA's reports of one network, naming a USA-only violation
    that GBR holds (a careless relay passed it on) but its users may not see."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    ids: dict[str, str] = {}

    def add(at: Node, name: str, type: str, body: dict, marking: dict) -> None:
        (row,) = at.add_records([Draft(type=type, marking=marking, body=body)])
        ids[name] = row.id

    add(partner, "U1", "actor", company("Tekhno Treyd LLC", "AM", ("phone", "+374 10 555 123")),
        USA_SHARED)
    add(partner, "U2", "actor", company("Hidden Supplier GmbH", "DE"), USA_ONLY)
    add(node, "G1", "actor", company("ООО «ТЕХНО ТРЕЙД»", "AM", ("phone", "010 555123")),
        GBR_WIDE)
    add(node, "G3", "actor", company("Orion Components", "RU",
                                     listings=[{"list": "Entity List"}]), GBR_WIDE)
    add(partner, "UV", "violation", violation(
        "Oscilloscopes shipped to Yerevan", [(ids["U1"], "intermediary"),
                                             (ids["G3"], "end_user")], ["US", "AM", "RU"],
        items=[{"hs_code": "903020", "eccn": "3A992.a", "description": "Digital oscilloscopes",
                "value": {"amount": 91000, "currency": "USD"}}],
        enforcement_actions=[{"kind": "penalty", "date": "2026-05-02",
                              "amount": {"amount": 250000, "currency": "USD"},
                              "authority": "BIS", "reference": "BIS-2026-0042"}]), USA_SHARED)
    add(partner, "UX", "violation", violation("Secret supplier route",
                                              [(ids["U2"], "exporter")], ["DE", "RU"]),
        USA_ONLY)
    assert pull_origin(node, LocalPeer(partner, "GBR"), "USA").error is None
    with partner.reading() as session:  # GBR got placeholders for U2, UX: a relay fills them
        hidden = [signed(row) for row in session.scalars(
            select(Record).where(Record.id.in_([ids["U2"], ids["UX"]])).order_by(Record.seq))]
    with node.transaction() as session:
        assert ingest(session, node.registry(), hidden, "GBR").upgraded == 2
    add(node, "G2", "actor", company("Pinnacle Export Partners", "US"), GBR_WIDE)
    add(node, "GV", "violation", violation(
        "Microcontrollers diverted to Russia via Yerevan",
        [(ids["G2"], "exporter"), (ids["G1"], "intermediary"), (ids["G3"], "consignee")],
        ["GB", "AM", "RU"], red_flags=["Consignee has no web presence"],
        items=[{"hs_code": "854231", "eccn": "3A991.a.2", "description": "MCUs",
                "quantity": 1200, "unit": "pcs",
                "value": {"amount": 48250.5, "currency": "USD"}}],
        enforcement_actions=[{"kind": "detention", "date": "2026-03-20", "authority": "HMRC",
                              "reference": "DET-2026-17"}]), GBR_WIDE)
    add(node, "GT", "procurement_trend", {
        "title": "Tier-1 ICs through Armenian forwarders", "summary": "Seen since 2024.",
        "methods": ["freight_forwarder_abuse"], "confidence": "medium",
        "indicators": ["Forwarder consolidates for a new consignee"], "related": [ids["GV"]]},
        STRICT)
    add(node, "C", "case", {"title": "Operation Northern Relay", "lead_agency": "GBR",
                            "participants": ["GBR", "USA"], "status": "active",
                            "opened": "2026-04-01",
                            "records": [ids["GV"], ids["UV"], ids["UX"], ids["G2"]]}, GBR_WIDE)
    add(node, "NARROW", "case", {"title": "Operation Side Door", "lead_agency": "GBR",
                                 "status": "open", "opened": "2026-04-02",
                                 "records": [ids["G2"]]}, GBR_WIDE)
    add(partner, "UC", "case", {"title": "USA eyes only", "lead_agency": "USA",
                                "status": "open", "opened": "2026-04-03"}, USA_ONLY)
    return ids


@pytest.fixture
def liaison(app, node: Node):
    return client_as(app, token_for(node, "liaison", "liaison"))


def brief_text(node: Node, case: str, fmt: str = "md", **options: Any) -> str:
    return make_brief(node, case, "GBR", fmt, **options).content.decode("utf-8")


# --- what a brief holds ---------------------------------------------------------------------


def test_a_brief_uses_only_what_its_agency_may_see(world, node: Node) -> None:
    made = make_brief(node, world["C"], "GBR", "md")
    used = {world[name] for name in ("C", "GV", "UV", "G1", "G2", "G3", "U1", "GT")}
    assert set(made.records) == used  # G1 joins as the entity U1 resolves into
    text = made.content.decode()
    for unseen in ("UX", "U2"):
        assert world[unseen] not in set(made.records)
    assert "Secret supplier route" not in text and "Hidden Supplier" not in text
    appendix = text[text.index("## Appendix"):]
    assert sorted(re.findall(r"^1\. `([0-9a-f-]{36})`", appendix, re.M)) == sorted(used)
    assert f"- `{world['UX']}`" in appendix  # named by the case, left out, said so


def test_the_marking_is_the_strictest_level_and_the_common_agencies(world, node: Node) -> None:
    made = make_brief(node, world["C"], "GBR", "md")
    assert made.marking == {"tlp": "amber+strict", "releasable_to": ["USA", "GBR"]}
    text = made.content.decode()
    assert text.startswith("**TLP:AMBER+STRICT · releasable to USA, GBR**\n")
    assert text.rstrip().endswith("**TLP:AMBER+STRICT · releasable to USA, GBR**")
    narrow = make_brief(node, world["NARROW"], "GBR", "md")
    assert narrow.marking == {"tlp": "amber", "releasable_to": ["USA", "GBR", "CAN"]}
    (red,) = node.add_records([Draft("case", {"tlp": "red", "releasable_to": ["GBR"]}, {
        "title": "Operation Closed Door", "lead_agency": "GBR", "status": "open",
        "opened": "2026-04-05", "records": [world["G2"]]})])
    assert make_brief(node, red.id, "GBR", "md").marking == {"tlp": "red",
                                                              "releasable_to": ["GBR"]}


def test_the_brief_says_what_the_records_say(world, node: Node) -> None:
    text = brief_text(node, world["C"])
    assert "# Operation Northern Relay" in text
    assert "| Lead agency | GBR |" in text and "| Participating agencies | USA |" in text
    summary = text[text.index("## Executive summary"):text.index("## Timeline")]
    assert "led by GBR with USA" in summary and "2 violations" in summary
    assert "1 procurement trend" in summary and "1 record the case names" in summary
    timeline = text[text.index("## Timeline"):text.index("## Actor network")]
    rows = re.findall(r"^\| (\d{4}-\d\d-\d\d) \| ([a-z ]+) \| ([A-Z]{3}) \|", timeline, re.M)
    assert rows == [("2026-03-14", "detected", "GBR"), ("2026-03-14", "detected", "USA"),
                    ("2026-03-20", "detention", "GBR"), ("2026-04-01", "case opened", "GBR"),
                    ("2026-05-02", "penalty", "USA")]
    assert "| 854231 | 3A991.a.2 | MCUs | 1200 pcs | 48,250.50 USD |" in text
    assert "| 903020 | 3A992.a | Digital oscilloscopes |  | 91,000.00 USD |" in text
    assert "- GB → AM → RU" in text and "- US → AM → RU" in text
    assert "- freight forwarder abuse (1)" in text and "- reexport diversion (2)" in text
    assert "Consignee has no web presence" in text
    assert "Forwarder consolidates for a new consignee" in text
    network = text[text.index("## Actor network"):text.index("## Items")]
    assert "ООО «ТЕХНО ТРЕЙД»" in network and "| GBR, USA |" in network  # one entity, two
    assert "data:image/png;base64," in network


def test_text_from_records_stays_text_in_html(world, node: Node) -> None:
    (case,) = node.add_records([Draft("case", GBR_WIDE, {
        "title": "<script>alert(1)</script> & co", "lead_agency": "GBR", "status": "open",
        "opened": "2026-04-09", "records": [world["G2"]]})])
    page = brief_text(node, case.id, "html")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert set(re.findall(r'(?:src|href)="([a-z]+):', page)) == {"data"}  # self-contained


def test_text_from_records_stays_text_in_markdown(world, node: Node) -> None:
    """A title with a line break and a banner of its own faked the marking and carried raw
    HTML into the Markdown brief (issue 17): every record value is escaped, as in HTML."""
    forged = "Relay\n\n**TLP:CLEAR · releasable to everyone**\n\n<img src=x onerror=alert(1)>"
    (case,) = node.add_records([Draft("case", GBR_WIDE, {
        "title": forged, "lead_agency": "GBR", "status": "open", "opened": "2026-04-09",
        "summary": "See [here](http://evil.example/) `code`", "records": [world["G2"]]})])
    text = brief_text(node, case.id, "md")
    banners = [line for line in text.splitlines() if "TLP:" in line and line.startswith("**")]
    assert banners == ["**TLP:AMBER · releasable to USA, GBR, CAN**"] * 2  # only the true one
    assert not re.search(r"(?<!\\)<", text)  # no tag: each < escaped
    assert not re.search(r"(?<!\\)\]\(", text.replace("](data:image/png", ""))  # no link
    (heading,) = [line for line in text.splitlines() if line.startswith("# ")]
    assert heading.startswith("# Relay ") and "TLP:CLEAR" in heading  # one line, as text
    assert "\\*\\*TLP:CLEAR" in heading and "\\<img" in heading


@pytest.mark.parametrize("fmt", ["html", "md", "pdf"])
def test_a_name_written_as_mathematics_breaks_no_brief(node: Node, fmt: str) -> None:
    """An actor or title holding ``$...$`` made matplotlib fail drawing the brief's
    pictures: every format answered 500 (issue 17)."""
    def add(type: str, body: dict) -> str:
        (row,) = node.add_records([Draft(type=type, marking=GBR_WIDE, body=body)])
        return row.id

    crafted = add("actor", company(r"$\frac{1}{0$ Trading", "AM"))
    exporter = add("actor", company("Price $5 and $6 LLC", "US"))
    route = add("violation", violation("Parts worth $x^2$ to Yerevan",
                                       [(exporter, "exporter"), (crafted, "consignee")],
                                       ["GB", "AM"]))
    case = add("case", {"title": "Operation $\\sqrt{", "lead_agency": "GBR",
                        "status": "open", "opened": "2026-04-01", "records": [route]})
    made = make_brief(node, case, "GBR", fmt)
    assert set(made.records) >= {crafted, exporter, route, case}
    if fmt == "html":
        assert r"Operation $\sqrt{" in made.content.decode()
    elif fmt == "md":
        assert r"Operation $\\sqrt{" in made.content.decode()  # the backslash escaped


def test_each_record_s_provenance_is_verified_again(world, node: Node) -> None:
    text = brief_text(node, world["C"])
    provenance = text[text.index("## Provenance"):text.index("## Appendix")]
    with node.reading() as session:
        rows = list(session.scalars(select(Record).where(Record.id.in_([world["UV"],
                                                                         world["GV"]]))))
    for row in rows:
        assert (f"| `{row.id}` | violation, TLP:{row.tlp.upper()} | {row.origin} | {row.seq} | "
                f"verified | `{row.kid}` | `{row.record_hash}` |") in provenance
    assert "NOT VERIFIED" not in provenance
    with node.transaction() as session:  # a record whose stored signature was altered
        session.get(Record, rows[0].position).jws = signed(rows[1])["jws"]
    altered = brief_text(node, world["C"])
    assert altered.count("**NOT VERIFIED**") == 1


# --- the PDF, as a person reads it ---------------------------------------------------------


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[tuple[str, Image.Image]]:
    """Each page's text (pdftotext) and picture (pdftoppm at 60 dpi)."""
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")],
                   check=True)
    pages = []
    for number, png in enumerate(sorted(tmp_path.glob("page-*.png")), 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(number), "-l", str(number),
                               str(path), "-"], check=True, capture_output=True, text=True)
        pages.append((text.stdout, Image.open(png).convert("RGB")))
    return pages


def coloured(image: Image.Image, colour: str, tolerance: int = 40) -> int:
    """How many pixels are near ``colour`` (#rrggbb)."""
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    distance = np.abs(np.asarray(image, dtype=int) - target).max(axis=2)
    return int((distance <= tolerance).sum())


# The PDF is laid out from what the md and html briefs hold, which are read on both databases.
@postgresql_is_slow
def test_the_pdf_reads_right_with_its_banner_and_pictures(world, node: Node, tmp_path) -> None:
    made = make_brief(node, world["C"], "GBR", "pdf")
    assert made.content.startswith(b"%PDF-")
    pages = pdf_pages(made.content, tmp_path)
    assert len(pages) >= 2
    for text, _ in pages:  # the marking banner at the top and the foot of every page
        assert text.count("TLP:AMBER+STRICT · releasable to USA, GBR") == 2, text[:300]
    whole = "\n".join(text for text, _ in pages)
    for wanted in ("Operation Northern Relay", "Executive summary", "Timeline of violations",
                   "Actor network", "Items", "Routes", "Procurement methods and red flags",
                   "Provenance", "Appendix", "Microcontrollers diverted", "Oscilloscopes shipped",
                   "48,250.50 USD", "ООО «ТЕХНО ТРЕЙД»"):
        assert wanted in whole, wanted
    assert "NOT VERIFIED" not in whole and whole.count("verified") >= len(made.records)
    for record_id in made.records:
        assert record_id in whole
    network_page = next(image for text, image in pages if "Actor network\n" in text
                        or "Actor network " in text)
    assert coloured(network_page, "#D55E00") > 150  # GBR's actors, in GBR's colour
    assert coloured(network_page, "#555555", 12) > 100  # the entity both agencies reported
    images = subprocess.run(["pdfimages", "-list", "-"], input=made.content, check=True,
                            capture_output=True).stdout.decode()
    assert [line.split()[2] for line in images.splitlines()[2:]].count("image") == 2


@pytest.mark.slow  # generates and loads a scenario: the pictures are tested on `world` above
def test_a_brief_of_the_demo_federation_renders_with_its_pictures(tmp_path) -> None:
    """The demo federation's data (the scenario generator's, each agency's share signed by
    its own node), pulled by GBR as sync would; the brief of the case GBR sees drawing on
    the most agencies."""
    scenario = tmp_path / "scenario.jsonl"
    write_scenario(scenario, 900, seed=1)
    nodes = {agency: make_node(tmp_path / agency, agency) for agency in FOUNDING.codes}
    try:
        gbr = nodes["GBR"]
        with gbr.transaction() as session:
            for agency, other in nodes.items():
                if agency != "GBR":
                    add_partner(session, "GBR", agency, other.jwks(), None)
        for member in nodes.values():
            load_own_drafts(member, scenario)
        for agency, other in nodes.items():
            if agency != "GBR":
                assert pull_origin(gbr, LocalPeer(other, "GBR"), agency).error is None
        network_of = partial(gbr.graph.network, "GBR")
        with gbr.reading() as session:
            cases = [gather(session, network_of, case_id, "GBR") for case_id in session.scalars(
                select(Record.id).where(Record.type == "case", Record.superseded_by.is_(None),
                                        Record.withdrawn_by.is_(None), visible_to("GBR")))]
        richest = max(cases, key=lambda e: (len(e.network.edges) > 0, len(
            {row.origin for row in e.rows.values()}), len(e.rows), e.case.id))
        assert len({row.origin for row in richest.rows.values()}) >= 3
        assert richest.of_type("violation") and len(richest.network.edges) >= 2
        made = make_brief(gbr, richest.case.id, "GBR", "pdf")
    finally:
        for member in nodes.values():
            member.close()
    pages = pdf_pages(made.content, tmp_path / "pages")
    banner = (f"TLP:{made.marking['tlp'].upper()} · releasable to "
              f"{', '.join(made.marking['releasable_to']) or 'no other agency'}")
    assert all(text.count(banner) == 2 for text, _ in pages)
    whole = "\n".join(text for text, _ in pages)
    assert json.loads(richest.case.canonical)["body"]["title"] in whole
    assert all(record_id in whole for record_id in made.records)
    network_page = next(image for text, image in pages if "Actor network" in text)
    agencies = {agency for node in richest.network.nodes.values() for agency in node["agencies"]}
    assert sum(coloured(network_page, colour(agency)) for agency in agencies) > 150
    images = subprocess.run(["pdfimages", "-list", "-"], input=made.content, check=True,
                            capture_output=True).stdout.decode()
    assert [line.split()[2] for line in images.splitlines()[2:]].count("image") == 2


# --- regeneration ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html", "bundle"])
def test_the_same_records_give_the_same_brief_but_for_its_time(world, node: Node,
                                                               fmt: str) -> None:
    first = make_brief(node, world["C"], "GBR", fmt, generated="2099-11-01T09:00:00Z")
    again = make_brief(node, world["C"], "GBR", fmt, generated="2099-11-01T09:00:00Z")
    later = make_brief(node, world["C"], "GBR", fmt)
    assert first.content == again.content and first.digest == again.digest
    assert later.content != first.content
    assert STAMP.sub(b"T", unsigned(later.content).replace(b".000000Z", b"Z")) == STAMP.sub(
        b"T", unsigned(first.content).replace(b".000000Z", b"Z"))


def unsigned(content: bytes) -> bytes:
    """A brief's bytes; a companion bundle's without its header's time and the signature
    over it (the time is the brief's, or its key's start if later: microseconds then)."""
    if not content.startswith(b'{"header":'):
        return content
    first, rest = content.split(b"\n", 1)
    header = {name: value for name, value in json.loads(first)["header"].items()
              if name != "created"}
    return json.dumps(header).encode() + b"\n" + rest


@postgresql_is_slow
def test_the_same_records_give_the_same_pdf_but_for_its_time(world, node: Node,
                                                             tmp_path) -> None:
    first = make_brief(node, world["C"], "GBR", "pdf", generated="2026-11-01T09:00:00Z")
    again = make_brief(node, world["C"], "GBR", "pdf", generated="2026-11-01T09:00:00Z")
    assert first.content == again.content  # fonts, pictures, metadata: byte for byte
    later = make_brief(node, world["C"], "GBR", "pdf", generated="2026-12-24T18:30:00Z")
    texts = [[re.sub(STAMP.pattern.decode(), "T", text)
              for text, _ in pdf_pages(made.content, tmp_path / name)]
             for name, made in (("first", first), ("later", later))]
    assert texts[0] == texts[1] and later.content != first.content
    info = subprocess.run(["pdfinfo", "-"], input=later.content, check=True,
                          capture_output=True).stdout.decode()
    assert "CreationDate:    Thu Dec 24 18:30:00 2026 UTC" in info


# --- the API --------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "media_type", "start"), [
    ("pdf", "application/pdf", b"%PDF-"), ("html", "text/html", b"<!DOCTYPE html>"),
    ("md", "text/markdown", b"**TLP:AMBER+STRICT"), ("bundle", "application/x-ndjson",
                                                     b'{"header":{"bundle":"enforce-share-'
                                                     b'selection/2"'),
])
def test_a_liaison_officer_downloads_each_format(world, liaison, fmt, media_type,
                                                 start) -> None:
    response = liaison.get(f"/api/v1/cases/{world['C']}/brief?format={fmt}")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == media_type and response.data.startswith(start)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="brief-{world["C"]}.{ {"bundle": "jsonl"}.get(fmt, fmt)}"')


@pytest.mark.parametrize("fmt", ["pdf", "html", "md", "bundle"])
def test_each_answer_is_as_the_openapi_document_says(world, app, node: Node, fmt) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    case = schema["/api/v1/cases/{case_id}/brief"]["GET"].Case(
        path_parameters={"case_id": world["C"]}, query={"format": fmt})
    token = token_for(node, "officer", "liaison")
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_each_brief_is_in_the_audit_trail(world, liaison, node: Node) -> None:
    response = liaison.get(f"/api/v1/cases/{world['C']}/brief?format=md")
    with node.reading() as session:
        (entry,) = [trail.as_dict(e) for e in trail.entries(session, limit=1)]
    assert (entry["actor"], entry["role"], entry["outcome"]) == ("liaison", "liaison", "200")
    target = entry["target"]
    assert (target["case"], target["format"]) == (world["C"], "md")
    assert target["marking"] == {"tlp": "amber+strict", "releasable_to": ["USA", "GBR"]}
    assert target["digest"] == hashlib.sha256(response.data).hexdigest()
    assert world["GV"] in target["records"] and world["UX"] not in target["records"]


def test_analysts_may_not_export_briefs(world, app, node: Node) -> None:
    analyst = client_as(app, token_for(node, "analyst", "analyst"))
    response = analyst.get(f"/api/v1/cases/{world['C']}/brief?format=md")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("name", ["UC", "unknown", "G2", "not-an-id"])
def test_unknown_unseen_and_non_case_ids_are_not_found(world, liaison, name) -> None:
    case_id = world.get(name, "4f0b8f7e-1111-4222-8333-944445555666" if name == "unknown"
                        else name)
    response = liaison.get(f"/api/v1/cases/{case_id}/brief?format=md")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert "USA eyes only" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("query", "field"), [
    ("format=docx", "format"), ("format=md&for=USA", "for"), ("format=bundle&for=XYZ", "for"),
    ("fromat=pdf", "fromat"),
])
def test_bad_parameters_name_their_field(world, liaison, query, field) -> None:
    response = liaison.get(f"/api/v1/cases/{world['C']}/brief?{query}")
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_a_withdrawn_case_is_gone(world, liaison, node: Node) -> None:
    node.add_records([Draft("withdrawal", GBR_WIDE, {"target": world["NARROW"],
                                                     "reason": "Opened twice"})])
    assert liaison.get(f"/api/v1/cases/{world['NARROW']}/brief").status_code == 410


# --- the companion bundle -------------------------------------------------------------------


def test_the_companion_bundle_lets_anyone_verify_every_statement(world, node: Node,
                                                                 partner: Node) -> None:
    made = make_brief(node, world["C"], "GBR", "bundle")
    lines = [json.loads(line) for line in made.content.splitlines()]
    header = lines[0]["header"]
    assert header["for"] == "GBR" and header["created"] == made.generated
    verified = jose_verified(lines, published(node, partner))
    assert sorted(verified["GBR"] + verified["USA"]) == sorted(made.records)


def test_a_partner_verifies_the_bundle_made_for_it_and_cannot_import_it(world, node: Node,
                                                                       tmp_path) -> None:
    canada = make_node(tmp_path / "can", "CAN")
    with canada.transaction() as session:
        add_partner(session, "CAN", "GBR", node.jwks(), None)
        add_partner(session, "CAN", "USA", node.jwks("USA"), None)
    made = make_brief(node, world["C"], "GBR", "bundle", recipient="CAN")
    lines = [json.loads(line) for line in made.content.splitlines()]
    with canada.reading() as session:
        proof = verify_bundle(session, lines)
    assert (proof.header.selection, proof.header.recipient) == (True, "CAN")
    (log,) = proof.logs  # no USA record is CAN's
    assert (log.origin, log.records, log.first, log.last) == ("GBR", 5, 1, log.checkpoint)
    full = {entry["record"]["id"] for page in lines[1:] for entry in page["entries"]
            if "record" in entry}
    assert full == {world[name] for name in ("C", "GV", "G1", "G2", "G3")}  # not GT (strict)
    with pytest.raises(InvalidInput, match="selection bundle"):
        import_bundle(canada, lines)
    with canada.reading() as session:
        assert set(session.scalars(select(Record.id).where(Record.origin != "CAN"))) == set()
    canada.close()


# --- the command line -----------------------------------------------------------------------


def test_the_command_writes_an_owner_only_brief_and_audits_it(world, node: Node,
                                                              tmp_path) -> None:
    runner, home = CliRunner(), ["--data-dir", str(node.config.data_dir)]
    env = {"DATABASE_URL": node.config.database_url or ""}
    out = tmp_path / "brief.html"
    result = runner.invoke(main, [*home, "brief", world["C"], "--format", "html", "--out",
                                  str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "TLP:AMBER+STRICT, releasable to USA, GBR; 8 records" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert b"<h1>Operation Northern Relay</h1>" in out.read_bytes()
    with node.reading() as session:
        (entry,) = [trail.as_dict(e) for e in trail.entries(session, limit=1)]
    assert entry["action"] == "brief" and entry["actor"].startswith("cli:")
    assert entry["target"]["digest"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert entry["target"]["file"] == str(out)


@pytest.mark.parametrize(("args", "message"), [
    (["4f0b8f7e-1111-4222-8333-944445555666"], "No record"),
    (["{C}", "--for", "USA"], "for: Only with format=bundle"),
])
def test_the_command_refuses_in_one_line(world, node: Node, tmp_path, args, message) -> None:
    env = {"DATABASE_URL": node.config.database_url or ""}
    result = CliRunner().invoke(main, ["--data-dir", str(node.config.data_dir), "brief",
                                       *(arg.format(**world) for arg in args), "--format", "md",
                                       "--out", str(tmp_path / "b.md")], env=env)
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert message in result.output and not (tmp_path / "b.md").exists()
