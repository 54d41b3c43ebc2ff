"""Which actors the partners publicly identified: the public list, and nothing else.

A violation record that is TLP:CLEAR, releasable to every partner agency, its latest
version and not withdrawn, and holds a ``public_identification`` enforcement action names
its parties as identified by its origin agency. A party is published only if the latest
version of its own actor record is as public (TLP:CLEAR, releasable to all, not withdrawn):
a clear violation does not make an amber actor record public, and an older clear version
of a record its origin has since restricted is not used. Actor records that the matcher
finds to be one entity, from these public records alone, are one entry with every agency
that identified it. ``markings.publishable`` and the releasability check decide, here and
nowhere else; both fail closed on an unknown level or agency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import members as membership
from ..entities.clusters import cluster
from ..markings import audience, publishable
from ..records.models import Record
from ..screening import matcher

ACTION = "public_identification"


@dataclass(frozen=True)
class Identification:
    """One agency's public identification of an actor, as its violation record says."""

    agency: str
    record: str  # the violation
    date: str
    reference: str | None
    authority: str | None


@dataclass
class PublicActor:
    """An entry of the public list: one entity's public actor records and identifications."""

    records: list[Record]  # latest versions, earliest first
    first: dict[str, str]  # record id -> the id of its first version held
    identifications: list[Identification] = field(default_factory=list)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(row.canonical)["body"] for row in self.records]

    @property
    def identified_by(self) -> list[str]:
        return sorted({found.agency for found in self.identifications})


def is_public(row: Record) -> bool:
    """TLP:CLEAR, releasable to every member agency (as the membership stands: a record
    from before a member was admitted is published again once its origin releases it to all,
    failing closed), its latest version, not withdrawn nor disavowed."""
    return (publishable(row.tlp) and set(membership.codes()) <= set(row.releasable_to)
            and row.superseded_by is None and row.withdrawn_by is None
            and row.disavowed_by is None)


def public_actors(session: Session) -> list[PublicActor]:
    """The public list of diversionary actors, from the records this node holds."""
    everyone = audience("clear", membership.codes())
    named: dict[str, list[Identification]] = {}
    for row in session.scalars(select(Record).where(
            Record.type == "violation", Record.tlp == "clear", Record.audience == everyone,
            Record.superseded_by.is_(None), Record.withdrawn_by.is_(None),
            Record.disavowed_by.is_(None),
            Record.canonical.contains(ACTION)).order_by(Record.position)):
        if not is_public(row):
            continue
        body = json.loads(row.canonical)["body"]
        actions = [a for a in body.get("enforcement_actions", ()) if a["kind"] == ACTION]
        for party in body.get("parties", ()) if actions else ():
            named.setdefault(party["actor"], []).extend(
                Identification(row.origin, row.id, a["date"], a.get("reference"),
                               a.get("authority")) for a in actions)
    latest: dict[str, tuple[Record, str, list[Identification]]] = {}
    for actor_id, found in named.items():
        resolved = _latest_public(session, actor_id)
        if resolved is not None:
            row, first = resolved
            held = latest.setdefault(row.id, (row, first, []))
            held[2].extend(found)
    return _grouped(list(latest.values()))


def _latest_public(session: Session, record_id: str) -> tuple[Record, str] | None:
    """The latest version of an actor record and the id of its first version held, if that
    latest version is public."""
    row = session.scalar(select(Record).where(Record.id == record_id))
    visited: set[str] = set()
    while row is not None and row.superseded_by and row.id not in visited:
        visited.add(row.id)
        row = session.scalar(select(Record).where(Record.id == row.superseded_by))
    if row is None or row.type != "actor" or not is_public(row):
        return None
    first, visited = row, {row.id}
    while first.supersedes and first.supersedes not in visited:
        earlier = session.scalar(select(Record).where(Record.id == first.supersedes))
        if earlier is None:  # an earlier version not held here
            break
        visited.add(earlier.id)
        first = earlier
    return row, first.id


def _grouped(found: list[tuple[Record, str, list[Identification]]]) -> list[PublicActor]:
    """Actor records the matcher joins, from these public records alone, as one entry."""
    found.sort(key=lambda item: item[0].position)
    profiles = [matcher.profile_of(row.id, json.loads(row.canonical)["body"])
                for row, _, _ in found]
    rarity = matcher.Rarity(profiles)
    matches = [(match.score, found[i][0].id, found[j][0].id) for i, j in matcher.pairs(profiles)
               if (match := matcher.score(profiles[i], profiles[j], rarity)).score
               >= matcher.ACCEPT]
    order = {row.id: index for index, (row, _, _) in enumerate(found)}
    by_id = {row.id: (row, first, named) for row, first, named in found}
    entries = []
    for members in cluster(list(order), order, matches).values():
        members.sort(key=order.__getitem__)
        entry = PublicActor([by_id[m][0] for m in members], {m: by_id[m][1] for m in members})
        for member in members:
            entry.identifications.extend(_unique(by_id[member][2]))
        entries.append(entry)
    return sorted(entries, key=lambda entry: entry.first[entry.records[0].id])


def _unique(found: Iterable[Identification]) -> list[Identification]:
    return list(dict.fromkeys(found))
