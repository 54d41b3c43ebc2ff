"""Federation state: per peer and origin progress, quarantined records, equivocation proofs,
and the nonces of signed feed requests seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigIntPK, utcnow


class SyncState(Base):
    """How pulling one origin's log from one peer went."""

    __tablename__ = "sync_state"

    peer: Mapped[str] = mapped_column(String(3), primary_key=True)
    origin: Mapped[str] = mapped_column(String(3), primary_key=True)
    last_attempt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: The peer's newest checkpoint seq for the origin: lag = peer_seq - seq held.
    peer_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: A seq at which this peer served something bad: not asked again from this peer.
    blocked_seq: Mapped[int | None] = mapped_column(BigInteger)


class Quarantined(Base):
    """A record a peer served that failed verification, kept as evidence, never as valid."""

    __tablename__ = "quarantine"

    position: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    peer: Mapped[str] = mapped_column(String(3))
    origin: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Equivocation(Base):
    """Two checkpoints signed by one origin for one seq with different heads: proof of a fork."""

    __tablename__ = "equivocations"

    position: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(BigInteger)
    held: Mapped[str] = mapped_column(Text)
    conflicting: Mapped[str] = mapped_column(Text)
    peer: Mapped[str] = mapped_column(String(3))
    #: JSON: the head held at the lower seq and the entry hashes from there to the other
    #: checkpoint's seq, so anyone can recompute that both cannot hold.
    linking: Mapped[str] = mapped_column(Text, default="{}")
    detected: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeenNonce(Base):
    """Nonces of feed requests accepted in the last ``httpsig.MAX_SKEW`` window: a replay
    finds its nonce here.

    Only requests whose signed target is this node get here, so every row is a nonce of a
    request to this node: a nonce is bound to its target by the signature.
    """

    __tablename__ = "seen_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    kid: Mapped[str] = mapped_column(String(100))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
