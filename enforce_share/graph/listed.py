"""Reference list entries in the actor graph: resolved into entities like actor records.

A list entry (an Entity List or SDN entry...) is public reference data every partner imports
itself, not a record of a log. The index holds each current version as an actor of its
own, named ``list:<row>``, marked clear and releasable to every agency (every viewer sees
it) and flagged ``reference`` (it counts as no reporting agency). Its body has an actor
record's shape, so the same profile, blocking and scoring join it to the partners' actors:
an actor a partner reported and the Entity List entry of the same company form one entity
carrying the listing, which ``graph paths --to listed`` reaches. An import is read once,
after the records: its new versions arrive (a changed entry's new version supersedes the
old one) and its retired versions leave, as records' versions do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..lists.entries import ITEM, graph_id
from ..lists.models import ListEntry, ListImport
from ..markings import public_marking

if TYPE_CHECKING:
    from .index import GraphIndex



def read_lists(index: GraphIndex, session: Session) -> int:
    """Read the list entries imported or retired since the index last did; returns how many
    versions arrived or left."""
    head = session.scalar(select(func.max(ListImport.id))) or 0
    if head <= index.lists_read:
        return 0
    with index.lock:
        seen = index.lists_read
        if head <= seen:
            return 0
        rows = session.execute(
            select(ListEntry.id, ListEntry.body, ListEntry.added_in, ListEntry.replaces,
                   ListEntry.retired_in)
            .where(ListEntry.kind != ITEM, or_(
                ListEntry.added_in.between(seen + 1, head),
                ListEntry.retired_in.between(seen + 1, head)))
            .order_by(ListEntry.id)).all()
        arrived: list[str] = []
        imported = {row.id: row.added_in for row in rows}
        for row in rows:
            node = graph_id(row.id)
            if row.added_in <= seen:  # held before: retired by an import since
                index.current.discard(node)
                index.events.append(("retired", node))
            elif row.retired_in is None or row.retired_in > head:
                index.hold_reference(_record(node, row.body, _held_before(
                    session, row.replaces, imported, seen)), arrived)
        index.score(arrived)
        index.lists_read = head
        return len(rows)


def _held_before(session: Session, replaces: int | None, imported: dict[int, int],
                 seen: int) -> str | None:
    """The version the index holds that a new version follows (skipping versions added and
    retired between two reads, which the index never held)."""
    while replaces is not None:
        added = imported.get(replaces)
        if added is None:
            found = session.execute(select(ListEntry.added_in, ListEntry.replaces).where(
                ListEntry.id == replaces)).one_or_none()
            if found is None:
                return None
            added, earlier = found
        else:
            earlier = None
        if added <= seen:
            return graph_id(replaces)
        replaces = earlier if earlier is not None else session.scalar(
            select(ListEntry.replaces).where(ListEntry.id == replaces))
    return None


def _record(node: str, body: dict[str, Any], supersedes: str | None) -> dict[str, Any]:
    """A list entry version as the index holds a record."""
    return {"id": node, "type": "actor", "origin": "", "created": "", "marking": public_marking(),
            "supersedes": supersedes, "body": body}
