"""Records as STIX 2.1 objects, as users of one agency may see them.

- actor → ``threat-actor`` when it is on a restricted-party list (``listings``: a government
  has determined it a diversion risk), else ``identity`` (a party to trade: an exporter or a
  forwarder may be unwitting); company/organisation → ``organization``, person →
  ``individual``, vessel/aircraft → ``unknown``.
- violation → ``report`` naming its parties, with one ``related-to`` relationship per party
  (``x_enforce_share_role``: exporter, consignee …); procurement_trend → ``report`` naming
  its related records; case → ``grouping`` (context ``suspicious-activity``) of its records.
- link → ``relationship`` between the two records (same_as → ``duplicate-of``; the other
  relations as hyphenated custom types: ``owns``, ``director-of``, ``not-same-as`` …).

Every object is marked with its record's TLP 2.0 marking definition and carries the record's
provenance and body as ``x_enforce_share_*`` properties. A record appears only when
``markings.visible`` says the viewer's agency may see its latest version, and a reference or
a relationship only when the viewer may see both ends; anything else is left out, never
shown in part.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session
from stix2 import v21

from ..markings import visible
from ..records.models import Record
from .identifiers import agency_id, party_id, record_object_id
from .lineage import Current, current
from .stix_common import (
    DESCRIPTION_FIELDS,
    EXPORTED_TYPES,
    NAME_FIELDS,
    PREFIX,
    PROVENANCE,
    RECORD_EXTENSION,
    ROLE,
    TLP_MARKINGS,
    as_dict,
    body_fields,
)

IDENTITY_CLASSES = {"company": "organization", "organization": "organization",
                    "person": "individual", "vessel": "unknown", "aircraft": "unknown"}
RELATIONSHIP_TYPES = {"same_as": "duplicate-of"}  # else the relation, hyphenated
CONFIDENCE = {"low": 15, "medium": 50, "high": 85}  # STIX 2.1 appendix A, Low/Med/High
CONTACT_SCHEMES = ("phone", "email", "website")


def stix_type(row: Record, body: dict[str, Any]) -> str:
    """The STIX type a record becomes."""
    if row.type == "actor":
        return "threat-actor" if body.get("listings") else "identity"
    return {"violation": "report", "procurement_trend": "report", "case": "grouping",
            "link": "relationship"}[row.type]


def references(row: Record, body: dict[str, Any]) -> list[str]:
    """The record ids a record's body names (any version)."""
    if row.type == "violation":
        return [party["actor"] for party in body.get("parties", [])]
    if row.type == "link":
        return [body["from"], body["to"]]
    return list(body.get("related" if row.type == "procurement_trend" else "records", []))


class StixView:
    """Builds the STIX objects of records for users of ``viewer``'s agency."""

    def __init__(self, session: Session, viewer: str) -> None:
        self.session, self.viewer = session, viewer
        self.known: dict[str, Current] = {}  # any version id -> the record as the viewer sees it
        self._bodies: dict[str, dict[str, Any]] = {}

    def body(self, row: Record) -> dict[str, Any]:
        """The body of a stored record (read once)."""
        if row.id not in self._bodies:
            self._bodies[row.id] = json.loads(row.canonical)["body"]
        return self._bodies[row.id]

    def shown(self, row: Record) -> bool:
        """Whether ``row`` may appear: an exported type the viewer's agency may see."""
        return row.type in EXPORTED_TYPES and visible(self.viewer, row.origin, row.tlp,
                                                      row.releasable_to)

    def resolve(self, rows: Sequence[Record]) -> None:
        """Learn the lineage of ``rows``, of what they name, and of the ends of named links."""
        wanted = {row.id for row in rows} | {ref for row in rows for ref in
                                             references(row, self.body(row))}
        for _ in range(2):  # a named link's ends: one hop further
            self.known.update(current(self.session, wanted - self.known.keys(), self.viewer))
            wanted = {ref for found in self.known.values() if found.row.type == "link"
                      for ref in references(found.row, self.body(found.row))}

    def object_id(self, record_id: str, *, end: bool = False) -> str | None:
        """The STIX id of the record ``record_id`` (any version) names, if the viewer may see
        it (and, for a link, both its ends; a link is never the end of another, so links
        naming each other cannot loop)."""
        found = self.known.get(record_id)
        if found is None or not self.shown(found.row) or (end and found.row.type == "link"):
            return None
        body = self.body(found.row)
        if found.row.type == "link" and not all(
                self.object_id(ref, end=True) for ref in references(found.row, body)):
            return None
        return record_object_id(stix_type(found.row, body), found.lineage.first_id)

    def per_record(self, rows: Sequence[Record]) -> list[tuple[Record, list[dict[str, Any]]]]:
        """Each of ``rows`` (latest versions) with its objects: the record's own first, then
        the relationships it states; rows the viewer may not see are left out."""
        rows = [row for row in rows if self.shown(row)]
        self.resolve(rows)
        return [(row, self._record_objects(self.known[row.id])) for row in rows
                if row.id in self.known and self.known[row.id].row.id == row.id]

    def objects(self, rows: Sequence[Record]) -> list[dict[str, Any]]:
        """The objects of ``rows``, all together (see :meth:`per_record`)."""
        return [item for _, made in self.per_record(rows) for item in made]

    def named_actors(self, rows: Sequence[Record]) -> list[Record]:
        """The actors that violations and links among ``rows`` name, as the viewer sees them."""
        named = {ref for row in rows if row.type in ("violation", "link")
                 for ref in references(row, self.body(row))}
        return [self.known[ref].row for ref in sorted(named) if ref in self.known
                and self.known[ref].row.type == "actor" and self.shown(self.known[ref].row)]

    # -- one record ----------------------------------------------------------------------------

    def _record_objects(self, found: Current) -> list[dict[str, Any]]:
        row, body = found.row, self.body(found.row)
        kind = stix_type(row, body)
        own = record_object_id(kind, found.lineage.first_id)
        base, named = self._base(found), self._named(body)
        fields = {PREFIX + key: body[key] for key in body_fields(row.type) if key in body}
        refs = [ref for ref in dict.fromkeys(map(self.object_id, references(row, body))) if ref]
        if row.type == "actor":
            return [self._actor(kind, own, body, **base, **named, **fields)]
        if row.type == "link":
            source = self.object_id(body["from"], end=True)
            target = self.object_id(body["to"], end=True)
            if source is None or target is None:
                return []
            relation = RELATIONSHIP_TYPES.get(body["relation"], body["relation"].replace("_", "-"))
            if "confidence" in body:
                base["confidence"] = round(body["confidence"] * 100)
            return [as_dict(v21.Relationship(id=own, source_ref=source, target_ref=target,
                                             relationship_type=relation, **base, **fields))]
        if row.type == "case":
            return [as_dict(v21.Grouping(id=own, context="suspicious-activity",
                                         object_refs=refs or [agency_id(row.origin)],
                                         **base, **named, **fields))]
        parties = self._parties(found, own, body, base) if row.type == "violation" else []
        labels = body.get("violation_types") or body.get("methods")
        if labels:
            base["labels"] = labels
        if "confidence" in body:
            base["confidence"] = CONFIDENCE[body["confidence"]]
        refs += [party["id"] for party in parties]
        return [as_dict(v21.Report(id=own, published=row.created, report_types=["threat-report"],
                                   object_refs=refs or [agency_id(row.origin)],
                                   **base, **named, **fields)), *parties]

    def _base(self, found: Current) -> dict[str, Any]:
        """What every object of a record carries: times, author, marking, provenance."""
        row = found.row
        provenance = {"record_id": row.id, "first_record_id": found.lineage.first_id,
                      "record_type": row.type, "origin": row.origin, "seq": row.seq,
                      "record_hash": row.record_hash, "releasable_to": list(row.releasable_to)}
        return {"created": found.lineage.first_created, "modified": row.created,
                "created_by_ref": agency_id(row.origin),
                "object_marking_refs": [TLP_MARKINGS[row.tlp]],
                "extensions": {RECORD_EXTENSION: {"extension_type": "toplevel-property-extension"}},
                **{PREFIX + key: provenance[key] for key in PROVENANCE}}

    @staticmethod
    def _named(body: dict[str, Any]) -> dict[str, Any]:
        """``name`` from the title or name, ``description`` from the summary or notes."""
        named = {"name": next((body[key] for key in NAME_FIELDS if key in body), None),
                 "description": next((body[key] for key in DESCRIPTION_FIELDS if key in body),
                                     None)}
        return {key: value for key, value in named.items() if value}

    def _actor(self, kind: str, own: str, body: dict[str, Any], **common: Any) -> dict[str, Any]:
        if kind == "threat-actor":
            aliases = [alias["name"] for alias in body.get("aliases", [])]
            if aliases:
                common["aliases"] = aliases
            return as_dict(v21.ThreatActor(id=own, **common))
        contacts = [address["text"] for address in body.get("addresses", [])] + [
            f"{identifier['scheme']}: {identifier['value']}"
            for identifier in body.get("identifiers", [])
            if identifier["scheme"] in CONTACT_SCHEMES]
        if contacts:
            common["contact_information"] = "; ".join(contacts)
        return as_dict(v21.Identity(id=own, identity_class=IDENTITY_CLASSES[body["kind"]],
                                    **common))

    def _parties(self, found: Current, own: str, body: dict[str, Any],
                 base: dict[str, Any]) -> list[dict[str, Any]]:
        """One relationship per party of a violation the viewer may see: actor → report."""
        made: dict[str, dict[str, Any]] = {}
        for party in body.get("parties", []):
            actor = self.object_id(party["actor"])
            if actor is None:
                continue
            relation = party_id(found.lineage.first_id,
                                self.known[party["actor"]].lineage.first_id, party["role"])
            made[relation] = as_dict(v21.Relationship(
                id=relation, relationship_type="related-to", source_ref=actor, target_ref=own,
                description=f"{party['role'].replace('_', ' ')} in: {body['title']}",
                **base, **{PREFIX + ROLE: party["role"]}))
        return list(made.values())
