"""Versions of records: which record a version id belongs to, and its latest version a viewer
may see.

Records are immutable; an update is a new record that ``supersedes`` the last. A standard
export shows one object per record whose id comes from the record's first version, and whose
content is the latest version (STIX: ``created`` of the first, ``modified`` of the latest).
References in bodies may name any version (a violation names the actor as it was then), so
they are read through the same lineage. Where a node does not hold the first version (it was
not released to it), the first version is the one the earliest held version supersedes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import batches
from ..records.fields import is_record_id
from ..records.models import Record
from ..records.queries import is_current, visible_to

CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class Lineage:
    """A record across its versions: its first version (id, time) and its latest held."""

    first_id: str
    first_created: str
    latest_id: str


@dataclass(frozen=True)
class Current:
    """The latest version of a record, as a viewer may see it, and its lineage."""

    row: Record
    lineage: Lineage


def lineages(session: Session, ids: Iterable[str]) -> dict[str, Lineage]:
    """The lineage of every held record among ``ids`` (any version), by the id given."""
    held: dict[str, tuple[str | None, str | None, str]] = {}  # id -> (supersedes, by, created)
    frontier = {record_id for record_id in ids if is_record_id(record_id)}
    wanted, asked = set(frontier), set(frontier)
    while frontier:
        for batch in batches(sorted(frontier), CHUNK):
            for row in session.execute(select(Record.id, Record.supersedes, Record.superseded_by,
                                              Record.created).where(Record.id.in_(batch))):
                held[row.id] = (row.supersedes, row.superseded_by, row.created)
        frontier = {link for record_id in frontier if record_id in held
                    for link in held[record_id][:2] if link and link not in asked}
        asked |= frontier
    found = {}
    for record_id in wanted & held.keys():
        first, seen = record_id, {record_id}
        while (earlier := held[first][0]) in held and earlier not in seen:
            first = earlier
            seen.add(first)
        latest = record_id
        while (later := held[latest][1]) in held and later not in seen:
            latest = later
            seen.add(latest)
        found[record_id] = Lineage(held[first][0] or first, held[first][2], latest)
    return found


def current(session: Session, ids: Iterable[str], viewer: str) -> dict[str, Current]:
    """For every record among ``ids`` (any version) whose latest version ``viewer``'s agency
    may see and whose origin has not withdrawn it: that version and the lineage."""
    found = lineages(session, ids)
    rows: dict[str, Record] = {}
    for batch in batches(sorted({lineage.latest_id for lineage in found.values()}), CHUNK):
        rows.update((row.id, row) for row in session.scalars(
            select(Record).where(Record.id.in_(batch), visible_to(viewer), is_current())))
    return {record_id: Current(rows[lineage.latest_id], lineage)
            for record_id, lineage in found.items() if lineage.latest_id in rows}
