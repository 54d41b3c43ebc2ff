"""A STIX 2.1 bundle of records: their objects, the actors they name, and what those need.

The bundle holds the records selected, the actors their violations and links name (when the
viewer may see them, so every relationship resolves inside the bundle), the TLP 2.0 marking
definitions and author identities used, and the extension definition of our properties.
Objects are ordered by id and the bundle's id is derived from its objects' ids and versions:
the same records give the same bytes (``dumps``), whenever and wherever they are exported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ..records.models import Record
from .identifiers import bundle_id
from .stix import StixView
from .stix_common import TLP_MARKINGS, shared_objects

MEDIA_TYPE = "application/stix+json;version=2.1"
_LEVELS = {marking: tlp for tlp, marking in TLP_MARKINGS.items()}


def version(stix_object: dict[str, Any]) -> str:
    """An object's version: ``modified``, or ``created`` for objects that have none."""
    return stix_object.get("modified") or stix_object["created"]


def support(objects: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shared objects ``objects`` refer to: markings, authors, our extension."""
    tlps = {_LEVELS[ref] for item in objects for ref in item.get("object_marking_refs", [])}
    authors = {item["x_enforce_share_origin"] for item in objects
               if "x_enforce_share_origin" in item}
    return shared_objects(tlps, authors)


def stix_bundle(session: Session, rows: Sequence[Record], viewer: str) -> dict[str, Any]:
    """The bundle of ``rows`` (latest versions) for users of ``viewer``'s agency."""
    view = StixView(session, viewer)
    objects = view.objects(rows)
    chosen = {row.id for row in rows}
    objects += view.objects([actor for actor in view.named_actors(rows)
                             if actor.id not in chosen])
    unique = sorted({item["id"]: item for item in objects}.values(), key=lambda item: item["id"])
    ordered = support(unique) + unique
    return {"type": "bundle",
            "id": bundle_id((item["id"], version(item)) for item in ordered),
            "objects": ordered}


def dumps(bundle: dict[str, Any]) -> str:
    """The bundle as JSON text: keys sorted, UTF-8 characters kept, one line."""
    return json.dumps(bundle, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
