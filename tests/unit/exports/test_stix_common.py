"""The fixed STIX objects: the OASIS TLP 2.0 markings, our extension, the identities."""

from __future__ import annotations

import json

import pytest
from stix2.exceptions import ExtraPropertiesError
from stix2validator import ValidationOptions, validate_string

from enforce_share.exports.stix_common import (
    RECORD_EXTENSION,
    SHARED,
    TLP_MARKINGS,
    extension_properties,
    shared_objects,
)

#: As the OASIS CTI TC publishes them (cti-stix-common-objects, TLP 2.0 extension).
OASIS_TLP2 = {
    "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "TLP:AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "TLP:RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def test_tlp_markings_are_the_oasis_tlp2_objects() -> None:
    markings = [SHARED[f"tlp:{tlp}"] for tlp in TLP_MARKINGS]
    assert {item["name"]: item["id"] for item in markings} == OASIS_TLP2
    for item in markings:
        assert item["created"] == "2022-10-01T00:00:00.000Z"
        (extension,) = item["extensions"].values()
        assert extension == {"extension_type": "property-extension",
                             "tlp_2_0": item["name"][4:].lower()}


def test_the_fixed_objects_pass_the_validator() -> None:
    bundle = {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
              "objects": list(SHARED.values())}
    result = validate_string(json.dumps(bundle), ValidationOptions(disabled=["uuid-check"]))
    assert result.is_valid and not result.warnings, [str(w) for w in result.warnings]


def test_the_extension_declares_every_body_field_and_the_provenance() -> None:
    declared = set(SHARED["extension"]["extension_properties"])
    assert declared == set(extension_properties())
    assert {"x_enforce_share_items", "x_enforce_share_listings", "x_enforce_share_records",
            "x_enforce_share_from", "x_enforce_share_record_hash",
            "x_enforce_share_releasable_to", "x_enforce_share_role"} <= declared
    assert "x_enforce_share_title" not in declared  # title is the STIX name
    assert SHARED["extension"]["id"] == RECORD_EXTENSION


def test_stix2_refuses_a_property_the_extension_does_not_declare() -> None:
    from stix2 import v21

    with pytest.raises(ExtraPropertiesError):
        v21.Identity(name="x", x_enforce_share_colour="red", extensions={
            RECORD_EXTENSION: {"extension_type": "toplevel-property-extension"}})


def test_an_export_carries_only_the_fixed_objects_it_uses() -> None:
    used = shared_objects({"amber"}, {"USA"})
    assert [item["id"] for item in used if item["type"] == "marking-definition"] == [
        TLP_MARKINGS["amber"]]
    assert [item["name"] for item in used if item["type"] == "identity"] == [
        "enforce-share partnership", "United States export enforcement (USA)"]
