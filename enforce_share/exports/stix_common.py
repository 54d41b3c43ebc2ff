"""The STIX 2.1 objects every export shares: TLP 2.0 marking definitions, the extension that
declares our custom properties, and the identities of the partnership and its agencies.

TLP 2.0 is not in STIX 2.1 itself (which predates it and has TLP 1.0 WHITE/GREEN/AMBER/RED).
The OASIS CTI TC publishes TLP 2.0 as marking definitions using the property extension
``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`` (cti-stix-common-objects,
``extension-definition-specifications/tlp-2.0``): the five ids and names below are theirs,
so any STIX consumer that knows TLP 2.0 recognises our markings.

Our own properties (``x_enforce_share_*``) are declared by one extension definition of type
``toplevel-property-extension`` (STIX 2.1 section 7.3), which the validator requires of custom
properties; each object using them names it in ``extensions``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pycountry
from stix2 import v21
from stix2.properties import Property

from .. import members
from ..markings import TLP_ORDER
from ..members import MAX_MEMBERS
from ..records.schema import BODY_SCHEMAS
from .identifiers import agency_id, stix_id

#: The OASIS TLP 2.0 marking-definition extension, and its marking definitions by level.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP_MARKINGS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: When our fixed objects (extension, identities) were first defined.
EPOCH = "2025-01-01T00:00:00.000Z"
PREFIX = "x_enforce_share_"
#: The record types an export shows; other types (keys, withdrawals) are the log's business.
EXPORTED_TYPES = ("violation", "procurement_trend", "actor", "case", "link")
#: Body fields shown as standard STIX properties instead of x_ ones: name and description.
NAME_FIELDS, DESCRIPTION_FIELDS = ("title", "name"), ("summary", "notes")
#: Where each object comes from: the record (latest version) and its first version.
PROVENANCE = ("record_id", "first_record_id", "record_type", "origin", "seq", "record_hash",
              "releasable_to")
#: The part a party took in a violation, on the relationship saying so.
ROLE = "role"
PARTNERSHIP_ID = stix_id("identity", "partnership")
RECORD_EXTENSION = stix_id("extension-definition", "record-properties", "1.0")


def as_dict(stix_object: Any) -> dict[str, Any]:
    """A stix2 object (checked by the library as it was made) as plain JSON data."""
    return json.loads(stix_object.serialize())


def body_fields(record_type: str) -> list[str]:
    """The body fields of ``record_type`` that become ``x_enforce_share_<field>``."""
    schema = BODY_SCHEMAS[record_type]()
    return [field.data_key or name for name, field in schema.fields.items()
            if (field.data_key or name) not in NAME_FIELDS + DESCRIPTION_FIELDS]


def extension_properties() -> list[str]:
    """Every custom property an export may carry (the extension definition lists them)."""
    names = {*PROVENANCE, ROLE} | {field for kind in EXPORTED_TYPES for field in body_fields(kind)}
    return sorted(PREFIX + name for name in names)


def tlp_marking(tlp: str) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking definition of ``tlp``."""
    return as_dict(v21.MarkingDefinition(
        id=TLP_MARKINGS[tlp], created=TLP2_CREATED, name=f"TLP:{tlp.upper()}",
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}}))


@lru_cache(maxsize=MAX_MEMBERS)
def agency_identity(agency: str) -> dict[str, Any]:
    """The identity of a partner agency: the author (``created_by_ref``) of its records."""
    country = pycountry.countries.get(alpha_3=agency)
    return as_dict(v21.Identity(
        id=agency_id(agency), created=EPOCH, modified=EPOCH, identity_class="organization",
        name=f"{country.name if country else agency} export enforcement ({agency})",
        sectors=["government-national"], created_by_ref=PARTNERSHIP_ID))


def partnership_identity() -> dict[str, Any]:
    """The partnership of the member agencies: the author of our extension definition (the
    same object whoever the members are: they are the ``members`` document's to list)."""
    return as_dict(v21.Identity(
        id=PARTNERSHIP_ID, created=EPOCH, modified=EPOCH, identity_class="group",
        name="enforce-share partnership", sectors=["government-national"],
        description="The export-enforcement agencies that are members of the enforce-share "
                    "partnership, sharing signed records with enforce-share."))


def record_extension() -> dict[str, Any]:
    """The extension definition declaring the ``x_enforce_share_*`` properties."""
    return as_dict(v21.ExtensionDefinition(
        id=RECORD_EXTENSION, created=EPOCH, modified=EPOCH, created_by_ref=PARTNERSHIP_ID,
        name="enforce-share record properties", version="1.0",
        description="Provenance of an enforce-share record (id, first version, type, origin "
                    "agency, log seq, SHA-256 record hash, agencies it is releasable to) and "
                    "its body fields other than title/name and summary/notes.",
        schema="Each x_enforce_share_<field> holds the record body's <field> unchanged, as "
               "the enforce-share record format (docs/protocol.md) defines it; record_id, "
               "record_hash, origin and seq identify the signed record a partner can verify.",
        extension_types=["toplevel-property-extension"],
        extension_properties=extension_properties()))


@v21.CustomExtension(RECORD_EXTENSION, [(name, Property()) for name in extension_properties()])
class RecordProperties:
    """Registers our properties with stix2, which then refuses any other on our objects."""

    extension_type = "toplevel-property-extension"


#: Objects that are the same in every export, built (and checked) once; an agency's
#: identity when first needed (``agency_identity``, cached).
SHARED = {"partnership": partnership_identity(), "extension": record_extension(),
          **{f"tlp:{tlp}": tlp_marking(tlp) for tlp in TLP_ORDER}}


def shared_objects(tlps: set[str], agencies: set[str]) -> list[dict[str, Any]]:
    """The fixed objects an export using markings ``tlps`` and authors ``agencies`` needs
    (agencies in the members' order)."""
    return ([SHARED["partnership"], SHARED["extension"]]
            + [agency_identity(agency) for agency in members.named(agencies)]
            + [SHARED[f"tlp:{tlp}"] for tlp in TLP_ORDER if tlp in tlps])
