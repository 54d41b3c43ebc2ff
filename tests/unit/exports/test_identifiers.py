"""Deterministic STIX ids: recomputable by anyone, different for different things."""

from __future__ import annotations

import uuid

from enforce_share.exports.identifiers import (
    NAMESPACE,
    agency_id,
    bundle_id,
    collection_id,
    party_id,
    record_object_id,
)

RECORD = "1b4e28ba-2fa1-4d3b-8e5c-6a8a5f0d4c11"
OTHER = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"


def test_a_record_id_gives_a_uuid5_under_our_namespace() -> None:
    made = record_object_id("identity", RECORD)
    assert made == f"identity--{uuid.uuid5(NAMESPACE, f'record/{RECORD}')}"
    assert uuid.UUID(made.split("--")[1]).version == 5
    assert NAMESPACE != uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX's SCO namespace


def test_the_same_input_the_same_id_and_different_inputs_different_ids() -> None:
    assert record_object_id("report", RECORD) == record_object_id("report", RECORD)
    made = {record_object_id("report", RECORD), record_object_id("report", OTHER),
            party_id(RECORD, OTHER, "exporter"), party_id(RECORD, OTHER, "consignee"),
            party_id(OTHER, RECORD, "exporter"), agency_id("GBR"), agency_id("USA")}
    assert len(made) == 7
    assert collection_id("amber") != collection_id("amber+strict")


def test_a_bundle_id_depends_on_its_objects_not_their_order() -> None:
    objects = [("identity--a", "2026-01-01T00:00:00Z"), ("report--b", "2026-01-02T00:00:00Z")]
    assert bundle_id(objects) == bundle_id(reversed(objects))
    assert bundle_id(objects) != bundle_id([objects[0], ("report--b", "2026-01-03T00:00:00Z")])
    assert bundle_id(objects).startswith("bundle--")
