"""Partner agencies this node trusts: their URL and, via the trust registry, their keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import members
from .db import Base, utcnow
from .errors import InvalidInput
from .signing.trust import import_jwks


class Partner(Base):
    """A partner node."""

    __tablename__ = "partners"

    agency: Mapped[str] = mapped_column(String(3), primary_key=True)
    url: Mapped[str | None] = mapped_column(String(500))
    added: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def add_partner(
    session: Session, own_agency: str, agency: str, jwks: dict[str, Any], url: str | None
) -> tuple[Partner, list[str]]:
    """Register (or update) a partner and trust the keys of its JWK Set; return their kids."""
    if not members.is_member(agency):
        raise InvalidInput(f"{agency!r} is not a member agency",
                           {"agency": [f"One of {', '.join(members.codes())}."]})
    if agency == own_agency:
        raise InvalidInput("A node cannot be its own partner", {"agency": ["Own agency."]})
    if url is not None and not url.startswith(("http://", "https://")):
        raise InvalidInput(f"Not an http(s) URL: {url}", {"url": ["Must be http:// or https://"]})
    kids = import_jwks(session, agency, jwks, source="partners add")
    partner = session.get(Partner, agency) or Partner(agency=agency)
    partner.url = url or partner.url
    session.add(partner)
    return partner, kids


def list_partners(session: Session) -> list[Partner]:
    """All partners, by agency code."""
    return list(session.scalars(select(Partner).order_by(Partner.agency)))
