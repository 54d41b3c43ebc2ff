"""Schemas of the record envelope and of each record type's body (shape only, no database)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..markings import TLP_ORDER
from ..members import MAX_MEMBERS
from .fields import (
    ECCN,
    Agency,
    Choice,
    Country,
    Currency,
    HSCode,
    IsoDate,
    ListOf,
    Number,
    Pattern,
    RecordId,
    Strict,
    Text,
    Timestamp,
)
from .trust_bodies import (
    AuditAnchorSchema,
    DisavowalSchema,
    KeyRevocationSchema,
    KeySchema,
    MembershipSchema,
    RootSchema,
)

__all__ = ["BODY_SCHEMAS", "RECORD_TYPES", "Strict", "body_errors"]

VIOLATION_TYPES = (
    "unlicensed_export", "reexport_diversion", "transshipment", "entity_list_violation",
    "sanctions_evasion", "false_statement", "misclassification", "undervaluation",
    "false_end_use_certification", "other",
)
PARTY_ROLES = (
    "exporter", "reexporter", "intermediary", "freight_forwarder", "consignee", "end_user",
    "financier", "other",
)
ACTION_KINDS = (
    "detention", "seizure", "penalty", "warning_letter", "indictment", "conviction",
    "denial_order", "entity_listing", "public_identification",
)
PROCUREMENT_METHODS = (
    "transshipment_third_country", "front_company", "shell_company_network", "false_end_user",
    "mislabeling", "undervaluation", "split_shipments", "e_commerce_platform",
    "freight_forwarder_abuse", "third_country_payment", "crypto_payment", "hand_carry", "other",
)
ACTOR_KINDS = ("company", "person", "organization", "vessel", "aircraft")
IDENTIFIER_SCHEMES = (
    "company_number", "tax_id", "inn", "ogrn", "lei", "duns", "imo", "phone", "email",
    "website", "passport",
)
LINK_RELATIONS = (
    "same_as", "not_same_as", "owns", "controls", "director_of", "ships_to", "pays",
    "shares_address",
)
VIOLATION_STATUSES = ("suspected", "under_investigation", "confirmed", "closed")
CASE_STATUSES = ("open", "active", "suspended", "closed")
CONFIDENCE = ("low", "medium", "high")


class MarkingSchema(Strict):
    """TLP 2.0 level and the agencies the record may be released to."""

    tlp = Choice(TLP_ORDER, required=True)
    releasable_to = fields.List(
        Agency(), required=True, validate=validate.Length(min=1, max=MAX_MEMBERS),
        metadata={"uniqueItems": True},
    )

    @validates_schema
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        agencies = data.get("releasable_to") or []
        if len(set(agencies)) != len(agencies):
            raise ValidationError("Agencies must not repeat.", "releasable_to")


class MoneySchema(Strict):
    amount = Number(required=True, allow_nan=False, validate=validate.Range(0, 1e15))
    currency = Currency(required=True)


class ItemSchema(Strict):
    hs_code = HSCode(required=True)
    eccn = ECCN()
    description = Text(2000, required=True)
    quantity = Number(allow_nan=False, validate=validate.Range(0, 1e15))
    unit = Text(32)
    value = fields.Nested(MoneySchema)


class PartySchema(Strict):
    actor = RecordId(required=True)
    role = Choice(PARTY_ROLES, required=True)


class EnforcementActionSchema(Strict):
    kind = Choice(ACTION_KINDS, required=True)
    date = IsoDate(required=True)
    amount = fields.Nested(MoneySchema)
    authority = Text(200)
    reference = Text(200)


class ViolationSchema(Strict):
    title = Text(300, required=True)
    summary = Text(20_000, required=True)
    status = Choice(VIOLATION_STATUSES, required=True)
    detected_on = IsoDate(required=True)
    violation_types = ListOf(Choice(VIOLATION_TYPES), 10, required=True)
    items = ListOf(fields.Nested(ItemSchema), 500)
    parties = ListOf(fields.Nested(PartySchema), 200)
    route = ListOf(Country(), 30)
    enforcement_actions = ListOf(fields.Nested(EnforcementActionSchema), 100)
    legal_basis = ListOf(Text(300), 50)
    red_flags = ListOf(Text(500), 100)
    sources = ListOf(Text(1000), 100)


class PeriodSchema(Strict):
    start = IsoDate(required=True)
    end = IsoDate()


class ProcurementTrendSchema(Strict):
    title = Text(300, required=True)
    summary = Text(20_000, required=True)
    methods = ListOf(Choice(PROCUREMENT_METHODS), 20, required=True)
    hs_codes = ListOf(HSCode(), 200)
    transit_countries = ListOf(Country(), 100)
    destination_countries = ListOf(Country(), 100)
    period = fields.Nested(PeriodSchema)
    indicators = ListOf(Text(500), 100)
    confidence = Choice(CONFIDENCE, required=True)
    related = ListOf(RecordId(), 500)


class AliasSchema(Strict):
    name = Text(500, required=True)
    script = Pattern(r"^[A-Z][a-z]{3}$", "Not an ISO 15924 script code (Latn, Cyrl).")


class AddressSchema(Strict):
    text = Text(1000, required=True)
    country = Country()


class IdentifierSchema(Strict):
    scheme = Choice(IDENTIFIER_SCHEMES, required=True)
    value = Text(200, required=True)


class ListingSchema(Strict):
    list = Text(200, required=True)
    date = IsoDate()
    reference = Text(200)


class ActorSchema(Strict):
    kind = Choice(ACTOR_KINDS, required=True)
    name = Text(500, required=True)
    aliases = ListOf(fields.Nested(AliasSchema), 200)
    countries = ListOf(Country(), 50)
    addresses = ListOf(fields.Nested(AddressSchema), 100)
    identifiers = ListOf(fields.Nested(IdentifierSchema), 100)
    listings = ListOf(fields.Nested(ListingSchema), 100)
    notes = Text(20_000)


class CaseSchema(Strict):
    title = Text(300, required=True)
    lead_agency = Agency(required=True)
    participants = fields.List(Agency(), validate=validate.Length(max=MAX_MEMBERS))
    status = Choice(CASE_STATUSES, required=True)
    opened = IsoDate(required=True)
    records = ListOf(RecordId(), 10_000)
    summary = Text(20_000)


class LinkSchema(Strict):
    from_ = RecordId(required=True, data_key="from")
    to = RecordId(required=True)
    relation = Choice(LINK_RELATIONS, required=True)
    confidence = Number(allow_nan=False, validate=validate.Range(0, 1))
    evidence = ListOf(RecordId(), 500)


class WithdrawalSchema(Strict):
    target = RecordId(required=True)
    reason = Text(2000, required=True)


#: Record type -> body schema. The table the rest of the code consults; declared once.
BODY_SCHEMAS: dict[str, type[Schema]] = {
    "violation": ViolationSchema,
    "procurement_trend": ProcurementTrendSchema,
    "actor": ActorSchema,
    "case": CaseSchema,
    "link": LinkSchema,
    "withdrawal": WithdrawalSchema,
    "key": KeySchema,
    "key_revocation": KeyRevocationSchema,
    "audit_anchor": AuditAnchorSchema,
    "root": RootSchema,
    "disavowal": DisavowalSchema,
    "membership": MembershipSchema,
}
RECORD_TYPES = tuple(BODY_SCHEMAS)
_BODY_VALIDATORS = {name: schema() for name, schema in BODY_SCHEMAS.items()}


def body_errors(record_type: str, body: Any) -> dict[str, Any]:
    """Return the validation errors of ``body`` for ``record_type`` (empty when valid)."""
    validator = _BODY_VALIDATORS.get(record_type)
    if validator is None:
        return {"type": [f"Must be one of: {', '.join(RECORD_TYPES)}."]}
    if not isinstance(body, dict):
        return {"body": ["Must be an object."]}
    errors = validator.validate(body)
    return {"body": errors} if errors else {}


class RecordSchema(Strict):
    """A complete record as signed: the envelope with a type-checked body."""

    id = RecordId(required=True)
    type = Choice(RECORD_TYPES, required=True)
    origin = Agency(required=True)
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    created = Timestamp(required=True)
    supersedes = RecordId(required=True, allow_none=True)
    marking = fields.Nested(MarkingSchema, required=True)
    body = fields.Dict(required=True)

    @validates_schema(skip_on_field_errors=False)
    def _body(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("type") in BODY_SCHEMAS and "body" in data:
            errors = body_errors(data["type"], data["body"])
            if errors:
                raise ValidationError(errors)


class DraftSchema(Strict):
    """A draft, as a writer supplies it (POST /api/v1/records, `record add`); the node adds
    id, origin, seq, created."""

    type = Choice(RECORD_TYPES, required=True)
    marking = fields.Nested(MarkingSchema, required=True)
    body = fields.Dict(required=True, metadata={"description": "Type-specific body"})
    supersedes = RecordId(allow_none=True, load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def _body(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("type") in RECORD_TYPES and "body" in data:
            errors = body_errors(data["type"], data["body"])
            if errors:
                raise ValidationError(errors)
