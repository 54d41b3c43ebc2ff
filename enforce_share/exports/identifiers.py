"""Deterministic STIX identifiers: the same record gives the same id on every node, every run.

STIX 2.1 (section 2.9) lets producers use UUIDv5 under a namespace of their own instead of
UUIDv4; the OASIS validator still warns (``uuid-check``) that it prefers v4, which is the
price of ids a partner can recompute. The namespace below is enforce-share's, fixed forever;
it is not the STIX namespace for cyber-observables, which the specification reserves.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

#: enforce-share's UUIDv5 namespace for STIX identifiers (never change it: ids would change).
NAMESPACE = uuid.UUID("184e9cf5-c8dd-4083-a57e-b11de3038931")


def stix_id(stix_type: str, *key: str) -> str:
    """``<stix_type>--<uuid5(NAMESPACE, key joined by '/')>``."""
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, '/'.join(key))}"


def record_object_id(stix_type: str, first_id: str) -> str:
    """The STIX id of a record's object: one per record, across its versions (``first_id``
    names the record's first version), so a new version is a new STIX version of it."""
    return stix_id(stix_type, "record", first_id)


def party_id(violation_first_id: str, actor_first_id: str, role: str) -> str:
    """The relationship saying an actor took part in a violation in ``role``."""
    return stix_id("relationship", "party", violation_first_id, actor_first_id, role)


def agency_id(agency: str) -> str:
    """The identity of a partner agency (the author of its records)."""
    return stix_id("identity", "agency", agency)


def collection_id(tlp: str) -> str:
    """The TAXII collection of records marked ``tlp``."""
    return str(uuid.uuid5(NAMESPACE, f"taxii-collection/{tlp}"))


def bundle_id(objects: Iterable[tuple[str, str]]) -> str:
    """A bundle's id from the (id, version) pairs it holds: the same objects, the same id."""
    digest = hashlib.sha256("\n".join(f"{object_id} {version}" for object_id, version
                                      in sorted(objects)).encode()).hexdigest()
    return stix_id("bundle", "bundle", digest)
