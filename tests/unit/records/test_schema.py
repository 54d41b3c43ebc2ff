"""Record body schemas: strict shapes, closed vocabularies, standard codes."""

from __future__ import annotations

import pytest

from enforce_share.records.schema import BODY_SCHEMAS, RecordSchema, body_errors
from tests.factories import BODIES


@pytest.mark.parametrize("record_type", sorted(BODIES))
def test_factory_bodies_are_valid(record_type) -> None:
    assert body_errors(record_type, BODIES[record_type]) == {}


@pytest.mark.parametrize("value, valid", [
    ("854231", True), ("8542310000", True), ("85423", False), ("85423100001", False),
    ("8542.31", False), ("85423a", False),
])
def test_hs_codes_are_6_to_10_digits(value, valid) -> None:
    body = {**BODIES["procurement_trend"], "hs_codes": [value]}
    assert (body_errors("procurement_trend", body) == {}) is valid


@pytest.mark.parametrize("value, valid", [
    ("3A001.a.2", True), ("5A992.c", True), ("3A991", True), ("EAR99", True), ("0A606.a", True),
    ("3F999", False), ("3a001", False), ("EAR-99", False), ("", False),
])
def test_eccn_pattern(value, valid) -> None:
    item = {**BODIES["violation"]["items"][0], "eccn": value}
    body = {**BODIES["violation"], "items": [item]}
    assert (body_errors("violation", body) == {}) is valid


@pytest.mark.parametrize("field, value", [
    ("countries", ["ZZ"]), ("countries", ["am"]), ("countries", ["ARM"]),
])
def test_countries_are_iso_3166_alpha_2(field, value) -> None:
    errors = body_errors("actor", {**BODIES["actor"], field: value})
    assert errors["body"][field] == {0: ["Not an ISO 3166-1 alpha-2 country code."]}


def test_currencies_are_iso_4217() -> None:
    item = {**BODIES["violation"]["items"][0], "value": {"amount": 1, "currency": "XYZ"}}
    errors = body_errors("violation", {**BODIES["violation"], "items": [item]})
    assert "currency" in errors["body"]["items"][0]["value"]


@pytest.mark.parametrize("value", ["2026-02-30", "2026-2-3", "20260203", "2026-02-03T00:00"])
def test_dates_are_iso_8601_calendar_dates(value) -> None:
    assert "detected_on" in body_errors("violation", {**BODIES["violation"],
                                                      "detected_on": value})["body"]


def test_unknown_field_in_nested_object_is_refused() -> None:
    item = {**BODIES["violation"]["items"][0], "colour": "red"}
    errors = body_errors("violation", {**BODIES["violation"], "items": [item]})
    assert errors["body"]["items"][0] == {"colour": ["Unknown field."]}


def test_enum_values_are_checked() -> None:
    errors = body_errors("actor", {**BODIES["actor"], "kind": "shipping_line"})
    assert "kind" in errors["body"]


def test_link_uses_from_on_the_wire() -> None:
    body = {"from": "3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f",
            "to": "4f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "relation": "same_as"}
    assert body_errors("link", body) == {}
    assert "from_" in body_errors("link", {**body, "from_": body["from"]})["body"]


def test_every_type_has_a_schema() -> None:
    assert set(BODY_SCHEMAS) == {"violation", "procurement_trend", "actor", "case", "link",
                                 "withdrawal", "key", "key_revocation", "audit_anchor",
                                 "root", "disavowal", "membership"}


def test_record_envelope_checks_body_by_type() -> None:
    record = {"id": "3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "type": "case", "origin": "GBR",
              "seq": 1, "created": "2026-11-22T10:00:00Z", "supersedes": None,
              "marking": {"tlp": "amber", "releasable_to": ["GBR"]}, "body": BODIES["actor"]}
    assert "body" in RecordSchema().validate(record)
    assert RecordSchema().validate({**record, "type": "actor"}) == {}


@pytest.mark.parametrize("created", ["2026-11-22T10:00:00+00:00", "2026-11-22 10:00:00Z",
                                     "yesterday"])
def test_created_must_be_utc_rfc3339(created) -> None:
    record = {"id": "3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "type": "actor", "origin": "GBR",
              "seq": 1, "created": created, "supersedes": None,
              "marking": {"tlp": "amber", "releasable_to": ["GBR"]}, "body": BODIES["actor"]}
    assert "created" in RecordSchema().validate(record)


@pytest.mark.parametrize("created", ["20261122T100000Z", "2026-11-22T10:00Z",
                                     "2026-W47-1T10:00:00Z", "2026-11-22T10:00:00.1234567Z"])
def test_created_must_be_the_profiled_rfc3339_form(created) -> None:
    record = {"id": "3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "type": "actor", "origin": "GBR",
              "seq": 1, "created": created, "supersedes": None,
              "marking": {"tlp": "amber", "releasable_to": ["GBR"]}, "body": BODIES["actor"]}
    assert "created" in RecordSchema().validate(record)


@pytest.mark.parametrize("amount", ["12.5", True, None])
def test_numbers_must_be_json_numbers(amount) -> None:
    item = {**BODIES["violation"]["items"][0], "quantity": amount}
    errors = body_errors("violation", {**BODIES["violation"], "items": [item]})
    assert "quantity" in errors["body"]["items"][0]


def test_key_record_kid_must_be_the_jwk_thumbprint() -> None:
    from enforce_share.signing.keys import generate_key, public_jwk

    jwk = public_jwk(generate_key())
    body = {"kid": jwk["kid"], "jwk": jwk, "valid_from": "2026-01-01T00:00:00Z"}
    assert body_errors("key", body) == {}
    other = public_jwk(generate_key())["kid"]
    assert "kid" in body_errors("key", {**body, "kid": other})["body"]
