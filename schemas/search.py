"""Schemas of search: the query (API, CLI and saved searches read it here), results, saves."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..markings import TLP_ORDER
from .api import SignedRecordSchema
from .fields import Agency, Choice, Country, IsoDate, ListOf, Pattern, RecordId, Text
from .records import ACTION_KINDS, PROCUREMENT_METHODS, VIOLATION_TYPES, Strict

SEARCHABLE_TYPES = ("violation", "procurement_trend", "actor", "case", "link")
SORTS = ("relevance", "newest", "oldest")
MAX_LIMIT = 200


def _many(field: fields.Field, description: str) -> fields.List:
    return ListOf(field, 50, metadata={"description": description + " Repeat for any of."})


class SearchQuerySchema(Strict):
    """GET /api/v1/search: filters combine with AND; a repeated filter matches any value."""

    type = _many(Choice(SEARCHABLE_TYPES), "Record type.")
    origin = _many(Agency(), "Agency that wrote the record.")
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


class SearchHitSchema(SignedRecordSchema):
    verified = fields.Boolean(required=True, metadata={
        "description": "Signed with a key this node trusts and had not revoked by then."})
    score = fields.Float(required=True, metadata={
        "description": "Relevance 0-1 (text: title match 1, elsewhere 0.5; names: likeness)."})


class SearchPageSchema(Schema):
    """One page of results, the next page's cursor, and counts over every match."""

    items = fields.List(fields.Nested(SearchHitSchema), required=True)
    next = fields.String(allow_none=True, required=True)
    total = fields.Integer(required=True, metadata={"description": "Matches in all pages."})
    facets = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True, metadata={"description": "Per facet (origin, type, country, "
                                                 "hs_chapter, month): value -> matches."})


class SavedSearchInSchema(Strict):
    """POST /api/v1/searches: name a query to run again."""

    name = Pattern(r"^[\w .,:()-]{1,100}$", "1-100 letters, digits, spaces or .,:()-",
                   required=True)
    query = fields.Nested(SearchQuerySchema(exclude=("cursor",)), required=True)


class SavedSearchSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    query = fields.Dict(required=True)
    created = fields.String(required=True)
    last_seen_at = fields.String(allow_none=True, required=True)
