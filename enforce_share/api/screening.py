"""POST /api/v1/screen: parties and a shipment against what the partners know and the lists."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from ..access.roles import ANALYST
from ..screening.request import ScreeningSchema
from ..screening.service import screen
from .auth import Blueprint, audited, node, principal

blp = Blueprint("screening", __name__, url_prefix="/api/v1",
                description="Screen parties and shipments against the shared records the "
                            "caller's agency may see and the reference lists")


class MarkingAnswerSchema(Schema):
    tlp = fields.String(required=True)
    releasable_to = fields.List(fields.String(), required=True)


class ScreenMatchSchema(Schema):
    id = fields.String(required=True, metadata={
        "description": "An actor record id, or list:<n> for a reference list entry."})
    kind = fields.String(required=True, metadata={"description": "actor or list_entry"})
    name = fields.String(required=True)
    score = fields.Float(required=True)
    accepted = fields.Boolean(required=True, metadata={
        "description": "Strong enough to be the same entity (as resolution accepts it)."})
    features = fields.Dict(required=True, metadata={"description": "What the score is made of."})
    shared = fields.List(fields.String(), required=True, metadata={
        "description": "Identifiers both give (registration:inn, phone:+7..., address)."})
    entity = fields.String(allow_none=True, required=True)
    listings = fields.List(fields.String(), required=True)
    origin = fields.String(metadata={"description": "The agency whose actor record it is."})
    marking = fields.Nested(MarkingAnswerSchema)
    list_entry = fields.Dict(allow_none=True, metadata={
        "description": "The list entry: source, list, key, name, listings, programmes."})


class ScreenEntitySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    members = fields.List(fields.String(), required=True)
    agencies = fields.List(fields.String(), required=True)
    countries = fields.List(fields.String(), required=True)
    listings = fields.List(fields.String(), required=True)
    roles = fields.List(fields.String(), required=True)
    violations = fields.List(fields.Dict(), required=True, metadata={
        "description": "Shared violations it appears in (at most 20, those it was "
                       "intermediary or consignee in first): id, origin, title, status, "
                       "detected_on, violation_types, route, roles (every party's), "
                       "roles_here (its own), marking."})
    violation_count = fields.Integer(required=True, metadata={
        "description": "Every shared violation the caller may see that it appears in."})
    cases = fields.List(fields.Dict(), required=True, metadata={
        "description": "Cases listing its records or violations (at most 20): id, origin, "
                       "title, status, lead_agency, marking."})
    case_count = fields.Integer(required=True)


class ScreenPartyAnswerSchema(Schema):
    index = fields.Integer(required=True)
    name = fields.String(required=True)
    reference = fields.String()
    matches = fields.List(fields.Nested(ScreenMatchSchema), required=True)
    entities = fields.List(fields.Nested(ScreenEntitySchema), required=True)


class ScreenItemAnswerSchema(Schema):
    index = fields.Integer(required=True)
    hs_code = fields.String(required=True)
    eccn = fields.String()
    description = fields.String()
    chpl = fields.Dict(allow_none=True, required=True, metadata={
        "description": "{hs6, tier, group} when the item is on the CHPL."})


class RedFlagSchema(Schema):
    rule = fields.String(required=True, metadata={"description": (
        "listed_party, violation_role, shares_identifier, new_company, chpl_transshipment, "
        "sanctioned_destination")})
    message = fields.String(required=True)
    evidence = fields.Dict(required=True)
    party = fields.Integer()
    item = fields.Integer()


class ScreeningAnswerSchema(Schema):
    parties = fields.List(fields.Nested(ScreenPartyAnswerSchema), required=True)
    items = fields.List(fields.Nested(ScreenItemAnswerSchema), required=True)
    red_flags = fields.List(fields.Nested(RedFlagSchema), required=True)
    reference_lists = fields.List(fields.Dict(), required=True, metadata={
        "description": "The publication of each list screened against: source, published, "
                       "imported."})
    notes = fields.List(fields.String(), required=True)
    marking = fields.Nested(MarkingAnswerSchema, required=True, metadata={
        "description": "The most restrictive marking of the records the answer cites."})


@blp.route("/screen", methods=["POST"])
@blp.requires(ANALYST)
@blp.arguments(ScreeningSchema)
@blp.response(200, ScreeningAnswerSchema)
def screen_parties(request: dict[str, Any]) -> dict[str, Any]:
    """Screen parties (names, identifiers, addresses), items (HS codes) and a route: each
    party's matching entities with their listings, shared violations and cases; each item's
    CHPL tier; the red flags raised, each with its rule and evidence."""
    answer = screen(node(), request, principal().agency)
    cited = {match["id"] for party in answer["parties"] for match in party["matches"]
             if match["kind"] == "actor"}
    cited |= {record["id"] for party in answer["parties"] for entity in party["entities"]
              for key in ("violations", "cases") for record in entity[key]}
    audited(records=sorted(cited), parties=len(request["parties"]))
    return answer
