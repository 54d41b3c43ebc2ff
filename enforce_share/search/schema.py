"""The search query as a schema: the API, the CLI, saved searches and exports read it here."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ..markings import TLP_ORDER
from ..records.fields import Choice, Country, IsoDate, ListOf, MemberAgency, Pattern, RecordId, Text
from ..records.schema import ACTION_KINDS, PROCUREMENT_METHODS, VIOLATION_TYPES, Strict

SEARCHABLE_TYPES = ("violation", "procurement_trend", "actor", "case", "link")
SORTS = ("relevance", "newest", "oldest")
MAX_LIMIT = 200


def _many(field: fields.Field, description: str) -> fields.List:
    return ListOf(field, 50, metadata={"description": description + " Repeat for any of."})


class SearchQuerySchema(Strict):
    """GET /api/v1/search: filters combine with AND; a repeated filter matches any value."""

    type = _many(Choice(SEARCHABLE_TYPES), "Record type.")
    origin = _many(MemberAgency(), "Agency that wrote the record.")
    from_ = IsoDate(data_key="from", metadata={
        "description": "On or after this day: created, or a date in the body (detected, "
                       "action, period, opened, listed)."})
    to = IsoDate(metadata={"description": "On or before this day (as `from`)."})
    country = _many(Country(), "ISO 3166-1 alpha-2: route, transit, destination or an "
                               "actor's country.")
    hs = _many(Pattern(r"^[0-9]{2,10}$", "HS code or prefix: 2 to 10 digits."),
               "HS code prefix (8542 matches 854231...).")
    eccn = _many(Pattern(r"^(EAR99|[0-9]([A-Ea-e]([0-9]{1,3}(\.[a-z0-9.]*)?)?)?)$",
                         "Not an ECCN or ECCN prefix (3A001, 3A001.a, EAR99)."),
                 "ECCN or its prefix (3A001 matches 3A001.a.2).")
    violation_type = _many(Choice(VIOLATION_TYPES), "Violation type.")
    method = _many(Choice(PROCUREMENT_METHODS), "Procurement method.")
    action = _many(Choice(ACTION_KINDS), "Enforcement action kind.")
    tlp = _many(Choice(TLP_ORDER), "TLP level.")
    case = _many(RecordId(), "A case: the records it holds, and the case.")
    actor = _many(Text(200), "An actor by record id, or by name (fuzzy, any script): the "
                             "actor and records naming it.")
    name = Text(200, metadata={"description": "Actors whose name or alias is like this "
                                              "(fuzzy, accents, case and script ignored)."})
    q = Text(500, metadata={"description": 'Free text: words, "phrases", OR, -excluded.'})
    sort = Choice(SORTS, metadata={"description": "Default: relevance with q or name, "
                                                  "else newest."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(validate=validate.Length(max=500))

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be before `from`.", "to")
