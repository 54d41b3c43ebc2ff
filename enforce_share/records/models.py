"""Tables of the record log: records, per-origin log heads and signed checkpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigIntPK
from .entries import stub


class Record(Base):
    """One signed record as received or written: canonical bytes, signature, chain position."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("origin", "seq", name="uq_records_origin_seq"),
        Index("ix_records_type_position", "type", "position"),
        Index("ix_records_origin_position", "origin", "position"),
    )

    #: Local arrival order; the keyset for pagination (stable while records arrive).
    position: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    origin: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    created: Mapped[str] = mapped_column(String(40))
    #: When this node stored the record (``clock.timestamp``), whether written here, pulled
    #: or imported: later than every record stored before it (``store.stored_now``), so it
    #: rises with ``position``; ``created`` for records held before migration 0005. TAXII's
    #: ``date_added``.
    stored: Mapped[str] = mapped_column(String(40), index=True)
    supersedes: Mapped[str | None] = mapped_column(String(36), index=True)
    superseded_by: Mapped[str | None] = mapped_column(String(36))
    withdrawn_by: Mapped[str | None] = mapped_column(String(36))
    #: The disavowal that named this record's seq and key (its origin's root saying the key
    #: was not theirs to use then): the record stays in the chain, but is never current.
    disavowed_by: Mapped[str | None] = mapped_column(String(36))
    tlp: Mapped[str] = mapped_column(String(16))
    releasable_to: Mapped[list[str]] = mapped_column(JSON)
    #: Agencies the marking releases the record to, one bit each (markings.audience).
    audience: Mapped[int] = mapped_column(BigIntPK, default=0)
    kid: Mapped[str] = mapped_column(String(100))
    #: RFC 8785 canonical JSON of the record: exactly the bytes the signature covers.
    canonical: Mapped[str] = mapped_column(Text)
    jws: Mapped[str] = mapped_column(Text)
    record_hash: Mapped[str] = mapped_column(String(64))
    #: Log head after this record: sha256(previous head || record hash).
    head: Mapped[str] = mapped_column(String(64))


class Disavowal(Base):
    """One run of seqs an origin's root disavowed (``disavowal`` record ``id``): the records
    of ``origin`` at those seqs signed by ``kid`` are never current, whenever they arrive."""

    __tablename__ = "disavowals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the disavowal record
    run: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(3), index=True)
    kid: Mapped[str] = mapped_column(String(100))
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)


class StoreClock(Base):
    """The latest ``stored`` time given to records: one row, locked while records are stored."""

    __tablename__ = "store_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stored: Mapped[str] = mapped_column(String(40))


class LogHead(Base):
    """The latest position of one origin's log held by this node."""

    __tablename__ = "log_heads"

    origin: Mapped[str] = mapped_column(String(3), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head: Mapped[str] = mapped_column(String(64))


class Checkpoint(Base):
    """A signed statement by an origin of its log head at one seq (RFC 9162-style STH)."""

    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("origin", "seq", name="uq_checkpoints_origin_seq"),)

    position: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(BigInteger)
    head: Mapped[str] = mapped_column(String(64))
    issued: Mapped[str] = mapped_column(String(40))
    jws: Mapped[str] = mapped_column(Text)

    def statement(self) -> dict[str, Any]:
        """The signed checkpoint body."""
        return {"origin": self.origin, "seq": self.seq, "head": self.head, "issued": self.issued}


class Placeholder(Base):
    """A log entry held without its content: its stub (``records.entries``), which the chain
    and so the origin's checkpoints attest. ``owed``: its marking releases it to this node,
    so the full record is asked for again until it arrives (or a withdrawal of it does)."""

    __tablename__ = "placeholders"
    __table_args__ = (
        UniqueConstraint("origin", "seq", name="uq_placeholders_origin_seq"),
        Index("ix_placeholders_origin_owed", "origin", "owed"),
    )

    position: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(BigInteger)
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    tlp: Mapped[str] = mapped_column(String(16))
    releasable_to: Mapped[list[str]] = mapped_column(JSON)
    owed: Mapped[bool] = mapped_column(Boolean, default=False)
    head: Mapped[str] = mapped_column(String(64))

    def stub(self) -> dict[str, Any]:
        """The stub as the feed serves it."""
        return stub(self.origin, self.seq, self.record_id, self.record_hash, self.tlp,
                    self.releasable_to)
