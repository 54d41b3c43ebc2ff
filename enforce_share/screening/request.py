"""What a screening request holds, checked for shape: parties, items, route and destination.

The same schema reads ``POST /api/v1/screen`` bodies, the JSON files ``enforce-share screen``
takes, and each row of a CSV batch (``rows.py``). A party is shaped like an actor record's
body, so the matcher compares it as it compares two records.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from ..errors import InvalidInput
from ..records.fields import ECCN, Country, HSCode, IsoDate, Text
from ..records.schema import (
    ACTOR_KINDS,
    PARTY_ROLES,
    AddressSchema,
    Choice,
    IdentifierSchema,
    ListOf,
    Strict,
)

#: Parties in one request (the API's body limit, 1 MiB, bounds it as well); larger
#: batches go through ``enforce-share screen FILE.csv``.
MAX_PARTIES = 1000


class ScreenPartySchema(Strict):
    """A party to a transaction, as much as the caller knows of it."""

    name = Text(500, required=True)
    kind = Choice(ACTOR_KINDS, load_default="company")
    role = Choice(PARTY_ROLES, metadata={"description": "Its part in the shipment."})
    aliases = ListOf(Text(500), 50)
    countries = ListOf(Country(), 50)
    addresses = ListOf(fields.Nested(AddressSchema), 20)
    identifiers = ListOf(fields.Nested(IdentifierSchema), 50, metadata={
        "description": "Registry numbers (inn, ogrn, company_number...), phone, email, "
                       "website."})
    incorporated = IsoDate(metadata={"description": "When the company was formed, if known "
                                                    "(a newly formed company is a red flag)."})
    reference = Text(200, metadata={"description": "The caller's own id for the party, "
                                                   "echoed in the answer."})


class ScreenItemSchema(Strict):
    """An item shipped."""

    hs_code = HSCode(required=True)
    eccn = ECCN()
    description = Text(2000)


class ScreeningSchema(Strict):
    """Parties, items, and the way the goods go."""

    parties = fields.List(fields.Nested(ScreenPartySchema), required=True,
                          validate=validate.Length(min=1, max=MAX_PARTIES))
    items = ListOf(fields.Nested(ScreenItemSchema), 500)
    route = ListOf(Country(), 30, metadata={
        "description": "Countries in the order the goods travel, the exporting one first "
                       "(as a violation's route)."})
    destination = Country(metadata={"description": "Where the goods end (default: the "
                                                   "route's last country)."})


_SCHEMA = ScreeningSchema()


def parse(document: Any) -> dict[str, Any]:
    """A screening request from JSON data; InvalidInput naming each field that is wrong."""
    try:
        return _SCHEMA.load(document)
    except ValidationError as exc:
        raise InvalidInput("Invalid screening request", exc.normalized_messages()) from None


def party_body(party: dict[str, Any]) -> dict[str, Any]:
    """A party as an actor record's body (what the matcher compares)."""
    body: dict[str, Any] = {"kind": party.get("kind", "company"), "name": party["name"]}
    if party.get("aliases"):
        body["aliases"] = [{"name": alias} for alias in party["aliases"]]
    for member in ("countries", "addresses", "identifiers"):
        if party.get(member):
            body[member] = party[member]
    return body
