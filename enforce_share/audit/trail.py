"""Writing, checking and reading the audit trail.

Entries are only ever appended. Each carries ``hash = SHA-256(previous hash || JCS(entry))``
(the first after 64 zeros), and the head row keeps the last seq and hash, so an entry edited
or deleted anywhere, or entries cut from the end, no longer verify (:func:`verify`).
Appends take the head row's lock (``UPDATE … RETURNING``) for their transaction, so
concurrent writers extend one chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import rfc8785
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..clock import timestamp
from ..db import utcnow
from ..errors import ConfigError
from .models import AuditEntry, AuditHead

ZERO = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class Event:
    """What happened: who (actor, role), what (action, target), from where, and how it ended."""

    actor: str
    action: str
    outcome: str
    role: str | None = None
    target: dict[str, Any] = field(default_factory=dict)
    source: str = "cli"
    request_id: str | None = None


def _statement(seq: int, at: str, event: Event) -> dict[str, Any]:
    return {"seq": seq, "at": at, **asdict(event)}


def _chain(previous: str, statement: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + rfc8785.dumps(statement)).hexdigest()


def append(session: Session, event: Event) -> AuditEntry:
    """Add ``event`` to the trail in the caller's transaction (which it serialises on)."""
    head = session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID)
                           .values(seq=AuditHead.seq + 1)
                           .returning(AuditHead.seq, AuditHead.head)).one_or_none()
    if head is None:  # the migration creates it: its absence is tampering, not a first use
        raise ConfigError("The audit trail's head row is missing: run `enforce-share audit "
                          "verify`")
    seq, previous = head
    at = timestamp(utcnow())
    digest = _chain(previous, _statement(seq, at, event))
    entry = AuditEntry(seq=seq, at=at, actor=event.actor, role=event.role, action=event.action,
                       target=json.dumps(event.target, sort_keys=True), source=event.source,
                       outcome=event.outcome, request_id=event.request_id, hash=digest)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(head=digest))
    return entry


@dataclass(frozen=True)
class Verdict:
    """The result of :func:`verify`: entries checked, the first problem (None if none), and
    where the chain reached each head asked about (head -> seq)."""

    entries: int
    head: str
    problem: str | None = None
    reached: dict[str, int] = field(default_factory=dict)


def verify(session: Session, heads: Collection[str] = ()) -> Verdict:
    """Recompute the whole chain and compare it with the head; note the seq at which the
    chain reaches each of ``heads`` (the anchored ones: see ``anchors``)."""
    previous, expected = ZERO, 1
    wanted, reached = set(heads), {}
    for entry in _in_order(session):
        if entry.seq != expected:
            return Verdict(expected - 1, previous, f"entry {expected} is missing", reached)
        event = Event(actor=entry.actor, action=entry.action, outcome=entry.outcome,
                      role=entry.role, target=json.loads(entry.target), source=entry.source,
                      request_id=entry.request_id)
        digest = _chain(previous, _statement(entry.seq, entry.at, event))
        if digest != entry.hash:
            return Verdict(expected - 1, previous, f"entry {entry.seq} was altered", reached)
        if digest in wanted:
            reached[digest] = entry.seq
        previous, expected = digest, expected + 1
    head = session.get(AuditHead, HEAD_ID)
    held = (head.seq, head.head) if head else (0, ZERO)
    if held != (expected - 1, previous):
        return Verdict(expected - 1, previous,
                       f"the head says {held[0]} entries: entries were removed from the end"
                       if held[0] > expected - 1 else "the head does not match the entries",
                       reached)
    return Verdict(expected - 1, previous, reached=reached)


def _in_order(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every entry by seq, a batch at a time (memory stays flat however long the trail)."""
    after = 0
    while rows := list(session.scalars(select(AuditEntry).where(AuditEntry.seq > after)
                                       .order_by(AuditEntry.seq).limit(batch))):
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the API and CLI show it."""
    return {"seq": entry.seq, "at": entry.at, "actor": entry.actor, "role": entry.role,
            "action": entry.action, "target": json.loads(entry.target), "source": entry.source,
            "outcome": entry.outcome, "request_id": entry.request_id, "hash": entry.hash}


def entries(session: Session, *, actor: str | None = None, record: str | None = None,
            since: str | None = None, until: str | None = None, before: int | None = None,
            limit: int = 100) -> Iterator[AuditEntry]:
    """Entries newest first, filtered by actor, record id (in the target) and time."""
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if record:
        query = query.where(AuditEntry.target.contains(json.dumps(record)))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    if before:
        query = query.where(AuditEntry.seq < before)
    yield from session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit))
