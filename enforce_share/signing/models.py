"""The trust registry table: every agency's public keys with their validity windows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class TrustedKey(Base):
    """A partner's (or this node's own) public signing key."""

    __tablename__ = "trusted_keys"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    agency: Mapped[str] = mapped_column(String(3), index=True)
    jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    valid_from: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[str | None] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    #: How the key became trusted: "init", "partners add", or the id of its `key` record.
    source: Mapped[str] = mapped_column(String(64))
