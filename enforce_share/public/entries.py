"""A public list entry as plain data: names, places, numbers, and who identified it.

Every format (FollowTheMoney, CSV, the signed document) is written from this one shape, so
they say the same. Ids are stable: ``es-`` and the id of the first version of the entry's
earliest actor record, the same on every node holding the same records.
"""

from __future__ import annotations

from typing import Any

from .selection import PublicActor

PREFIX = "es-"


def entry(actor: PublicActor) -> dict[str, Any]:
    """The entry of one public actor."""
    bodies = actor.bodies
    head = bodies[0]
    names = list(dict.fromkeys(name for body in bodies for name in (
        body["name"], *(alias["name"] for alias in body.get("aliases", ())))))
    return {
        "id": PREFIX + actor.first[actor.records[0].id],
        "kind": head["kind"],
        "name": head["name"],
        "aliases": names[1:],
        "countries": sorted({c for body in bodies for c in body.get("countries", ())} | {
            a["country"] for body in bodies for a in body.get("addresses", ()) if "country" in a}),
        "addresses": list(dict.fromkeys(a["text"] for body in bodies
                                        for a in body.get("addresses", ()))),
        "identifiers": _unique(i for body in bodies for i in body.get("identifiers", ())),
        "identified_by": actor.identified_by,
        "identifications": [{key: value for key, value in (
            ("agency", found.agency), ("date", found.date), ("reference", found.reference),
            ("authority", found.authority), ("record", found.record)) if value}
            for found in sorted(actor.identifications,
                                key=lambda found: (found.date, found.agency, found.record))],
        "records": [row.id for row in actor.records],
    }


def _unique(identifiers: Any) -> list[dict[str, str]]:
    found: dict[tuple[str, str], dict[str, str]] = {}
    for identifier in identifiers:
        found.setdefault((identifier["scheme"], identifier["value"]),
                         {"scheme": identifier["scheme"], "value": identifier["value"]})
    return sorted(found.values(), key=lambda item: (item["scheme"], item["value"]))
