"""Audit entries and the head of their hash chain."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class AuditEntry(Base):
    """One audited event. ``hash`` = SHA-256(previous hash || RFC 8785 bytes of the rest)."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32), index=True)  # RFC 3339 UTC, microseconds
    actor: Mapped[str] = mapped_column(String(64), index=True)  # user, partner agency, cli:…
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(128))
    target: Mapped[str] = mapped_column(Text)  # JSON: record ids, query, …
    source: Mapped[str] = mapped_column(String(64))  # remote address, or "cli"
    outcome: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last seq and hash (one row): appends serialise on it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head: Mapped[str] = mapped_column(String(64))
