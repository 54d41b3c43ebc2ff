"""The public list of diversionary actors: only what the partners marked for everyone, for
anyone without credentials, as FollowTheMoney entities, CSV and a document signed by the node."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest
import rfc8785
from click.testing import CliRunner
from followthemoney import model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwcrypto import jwk, jws
from sqlalchemy import select

from enforce_share.app import create_app
from enforce_share.cli import main
from enforce_share.markings import TLP_ORDER
from enforce_share.members import FOUNDING
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.public.service import PublicList
from enforce_share.records.drafts import Draft
from enforce_share.records.models import Record

from ..conftest import client_as, postgresql_is_slow, relay, token_for
from .test_contract_records import validator

PUBLIC = {"tlp": "clear", "releasable_to": list(FOUNDING.codes)}
ENDPOINT = "/public/v1/diversionary-actors"


def actor(name: str, *identifiers: tuple[str, str], country: str = "AM") -> dict[str, Any]:
    return {"kind": "company", "name": name, "countries": [country],
            "addresses": [{"text": "12 Tigran Mets Ave, Yerevan 0010", "country": country}],
            "identifiers": [{"scheme": s, "value": v} for s, v in identifiers]}


def identified(parties: list[str], kind: str = "public_identification",
               reference: str = "OEE-2026-PI-014") -> dict[str, Any]:
    return {"title": "Tier-1 ICs diverted through Yerevan", "summary": "Re-exported to RU.",
            "status": "confirmed", "detected_on": "2026-02-01",
            "violation_types": ["reexport_diversion"],
            "parties": [{"actor": party, "role": "intermediary"} for party in parties],
            "enforcement_actions": [{"kind": kind, "date": "2026-05-02",
                                     "authority": "BIS Office of Export Enforcement",
                                     "reference": reference}]}


@pytest.fixture
def published(node: Node, partner: Node) -> dict[str, str]:
    """Actors GBR and USA identified publicly, and records that must stay off the list."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    rows = partner.add_records([
        Draft("actor", PUBLIC, actor("Tekhno Treyd LLC", ("inn", "7704734000"),
                                     ("phone", "+374 10 555 123"))),
        Draft("actor", {"tlp": "amber", "releasable_to": ["USA", "GBR"]},
              actor("Quiet Partner LLC", ("inn", "7701234567")))])
    ids = {"usa_actor": rows[0].id, "amber_actor": rows[1].id}
    (ids["usa_violation"],) = [r.id for r in partner.add_records([
        Draft("violation", PUBLIC, identified([rows[0].id, rows[1].id]))])]
    relay(node, partner)
    (gbr_actor,) = node.add_records([Draft("actor", PUBLIC, actor(
        "ТЕХНО ТРЕЙД ООО", ("inn", "7704734000")))])  # the same company, as GBR wrote it
    (other,) = node.add_records([Draft("actor", PUBLIC, actor(
        "Pinnacle Export Partners", country="US"))])
    node.add_records([Draft("violation", PUBLIC, identified([gbr_actor.id], reference=
                                                            "HMRC-PI-2026-3")),
                      Draft("violation", PUBLIC, identified([other.id], kind="penalty"))])
    ids |= {"gbr_actor": gbr_actor.id, "penalised": other.id}
    return ids


def test_the_list_holds_publicly_identified_actors_with_who_identified_them(published,
                                                                            node) -> None:
    made = PublicList().current(node)
    (entry,) = made.entries  # USA's and GBR's records of one company: one entry
    assert entry["identified_by"] == ["GBR", "USA"]
    assert {f["reference"] for f in entry["identifications"]} == {"OEE-2026-PI-014",
                                                                   "HMRC-PI-2026-3"}
    assert set(entry["records"]) == {published["usa_actor"], published["gbr_actor"]}
    assert entry["id"] == f"es-{published['usa_actor']}"
    text = json.dumps(made.signed)
    assert published["amber_actor"] not in text and "Quiet Partner" not in text
    assert published["penalised"] not in text  # a penalty is no public identification


def test_anyone_reads_it_without_credentials_and_credentials_change_nothing(published, app,
                                                                           node) -> None:
    anonymous = app.test_client().get(ENDPOINT)
    assert anonymous.status_code == 200
    assert "Set-Cookie" not in anonymous.headers and "Vary" not in anonymous.headers
    analyst = client_as(app, token_for(node, "analyst", "analyst")).get(ENDPOINT)
    junk = client_as(app, "es_0000000000000000_nonsense").get(ENDPOINT)
    assert analyst.json == anonymous.json == junk.json
    with node.reading() as session:
        assert session.scalars(select(Record.id)).all()  # and no audit entry was needed


def test_the_signed_document_validates_and_verifies_with_jwcrypto(published, app,
                                                                  node) -> None:
    signed = app.test_client().get(ENDPOINT).json
    errors = list(validator("public-list.json").iter_errors(signed))
    assert errors == []
    header = json.loads(jws.base64url_decode(signed["jws"].split(".")[0]))
    keys = {key["kid"]: key for key in app.test_client().get(
        "/.well-known/enforce-share/jwks.json").json["keys"]}
    public_key = jwk.JWK(**{k: keys[header["kid"]][k] for k in ("kty", "crv", "x")})
    token = jws.JWS()
    token.deserialize(signed["jws"])
    token.allowed_algs = ["Ed25519"]
    token.verify(public_key, detached_payload=rfc8785.dumps(signed["document"]))
    signed["document"]["actors"][0]["identified_by"] = ["GBR"]  # one changed byte
    with pytest.raises(jws.InvalidJWSSignature):
        token.verify(public_key, detached_payload=rfc8785.dumps(signed["document"]))


def test_every_entity_is_valid_followthemoney(published, app) -> None:
    answer = app.test_client().get(f"{ENDPOINT}?format=ftm")
    assert answer.status_code == 200 and answer.mimetype == "application/x-ndjson"
    entities = [json.loads(line) for line in answer.data.decode().splitlines()]
    ids = {entity["id"] for entity in entities}
    for entity in entities:
        schema = model.get(entity["schema"])
        assert schema is not None and model.get_proxy(entity, cleaned=False).id == entity["id"]
        for name, values in entity["properties"].items():
            prop = schema.get(name)
            assert prop is not None, f"{entity['schema']} has no {name}"
            assert all(prop.type.validate(value) for value in values), (name, values)
        if entity["schema"] == "Sanction":
            assert set(entity["properties"]["entity"]) <= ids
    (company,) = [e for e in entities if e["schema"] == "Company"]
    assert company["properties"]["innCode"] == ["7704734000"]
    assert company["properties"]["topics"] == ["export.risk"]
    assert sorted(e["properties"]["country"][0] for e in entities
                  if e["schema"] == "Sanction") == ["gb", "us"]


def test_csv_rows_never_start_a_formula(node) -> None:
    (row,) = node.add_records([Draft("actor", PUBLIC, actor("=HYPERLINK(\"http://x\",\"y\")"))])
    node.add_records([Draft("violation", PUBLIC, identified([row.id]))])
    (line,) = csv.DictReader(PublicList().export(node, "csv").splitlines())
    assert line["name"] == "'=HYPERLINK(\"http://x\",\"y\")"


def test_the_public_endpoint_is_rate_limited_per_address(node) -> None:
    app = create_app(node.config.__class__(**{**node.config.__dict__,
                                              "public_rate_limit": "3 per minute"}))
    client = app.test_client()
    codes = [client.get(ENDPOINT).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(ENDPOINT)
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json["error"]["code"] == "rate_limited"
    other = app.test_client().get(ENDPOINT, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
    app.extensions["enforce_share"].close()


@postgresql_is_slow
def test_the_command_exports_each_format(published, node, tmp_path) -> None:
    root = ["--data-dir", str(node.config.data_dir)]
    for fmt in ("json", "ftm", "csv"):
        out = tmp_path / f"list.{fmt}"
        done = CliRunner().invoke(main, [*root, "public", "export", "--format", fmt,
                                         "--out", str(out)])
        assert done.exit_code == 0, done.output
        assert "Tekhno Treyd LLC" in out.read_text(encoding="utf-8")


# --- only TLP:CLEAR, releasable to all, not withdrawn: over every marking --------------------

MARKINGS = st.builds(lambda tlp, agencies: {"tlp": tlp, "releasable_to": sorted(
    {"GBR", *agencies}, key=FOUNDING.codes.index)}, st.sampled_from(TLP_ORDER),
    st.sets(st.sampled_from(FOUNDING.codes)))


def public(marking: dict[str, Any]) -> bool:
    return marking["tlp"] == "clear" and set(marking["releasable_to"]) == set(FOUNDING.codes)


@postgresql_is_slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actor_marking=MARKINGS, violation_marking=MARKINGS, withdraw=st.sampled_from(
    ("none", "actor", "violation")), restrict=st.booleans(), number=st.integers(0, 10**9))
def test_only_clear_records_for_everyone_not_withdrawn_are_ever_published(
        node, actor_marking, violation_marking, withdraw, restrict, number) -> None:
    """Each example writes an actor and a violation publicly identifying it, under any
    markings, then may withdraw one or restrict the actor's next version to TLP:AMBER; the
    list must then hold exactly the actors that stayed public, of every example so far."""
    name = f"Front Company {number} LLC"
    (row,) = node.add_records([Draft("actor", actor_marking, actor(name, country="KG"))])
    (found,) = node.add_records([Draft("violation", violation_marking, identified([row.id]))])
    stays = public(actor_marking) and public(violation_marking)
    if withdraw != "none":
        target, marking = (row, actor_marking) if withdraw == "actor" else (
            found, violation_marking)
        node.add_records([Draft("withdrawal", marking, {"target": target.id,
                                                        "reason": "Entered in error"})])
        stays = False
    elif restrict and public(actor_marking):
        node.add_records([Draft("actor", {"tlp": "amber", "releasable_to": list(FOUNDING.codes)},
                                actor(name, country="KG"), supersedes=row.id)])
        stays = False
    made = PublicList().current(node)
    listed = {record for entry in made.entries for record in entry["records"]}
    assert (row.id in listed) == stays
    with node.reading() as session:
        for record in session.scalars(select(Record).where(Record.id.in_(listed))):
            assert record.tlp == "clear" and set(record.releasable_to) == set(FOUNDING.codes)
            assert record.withdrawn_by is None and record.superseded_by is None
    for entry in made.entries:
        for found_id in (f["record"] for f in entry["identifications"]):
            with node.reading() as session:
                violation = session.scalar(select(Record).where(Record.id == found_id))
            assert violation.tlp == "clear" and violation.withdrawn_by is None
