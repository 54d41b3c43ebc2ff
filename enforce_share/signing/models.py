"""The trust registry's tables: online keys bound to log positions, agencies' root versions,
and the membership document's versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class TrustedKey(Base):
    """An agency's online signing key (a partner's, or this node's own), valid for the records
    and checkpoints of its log from seq ``from_seq`` to before ``until_seq`` (None: still)."""

    __tablename__ = "trusted_keys"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    agency: Mapped[str] = mapped_column(String(3), index=True)
    jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The seq of the record that announced it (0: trusted from a JWK Set, before any record).
    from_seq: Mapped[int] = mapped_column(BigInteger)
    #: The seq of the record that retired it, if any.
    until_seq: Mapped[int | None] = mapped_column(BigInteger)
    #: Why it was retired (the revocation's reason, or "not in root version N").
    retired_because: Mapped[str | None] = mapped_column(Text)
    #: How the key became trusted: "init", "partners add", or the id of the record.
    source: Mapped[str] = mapped_column(String(64))


class RootVersion(Base):
    """A version of an agency's root (protocol section 9): its root keys and threshold, the
    online keys it allows, its expiry; the seq of the record that carried it, and the
    statement and signatures as signed."""

    __tablename__ = "root_versions"

    agency: Mapped[str] = mapped_column(String(3), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    expires: Mapped[str] = mapped_column(String(40))
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    signatures: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    record_id: Mapped[str] = mapped_column(String(36))


class MembershipVersion(Base):
    """A version of the membership document this node verified, as signed."""

    __tablename__ = "membership_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    signatures: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    #: "import" (a file, out of band) or the id of the `membership` record that carried it.
    source: Mapped[str] = mapped_column(String(64))
