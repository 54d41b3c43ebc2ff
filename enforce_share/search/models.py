"""Tables of search: one document per searchable record, the change stamp, saved searches.

The full-text table (``search_text``) is dialect-specific and lives in ``fulltext.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigIntPK


class SearchDoc(Base):
    """A record's filter terms and names, written with the record, changed when it is retired."""

    __tablename__ = "search_docs"

    position: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("records.position"), primary_key=True, autoincrement=False)
    #: Change order: every write of a document takes a stamp above all committed ones.
    stamp: Mapped[int] = mapped_column(BigInteger, index=True)
    #: The latest version, not withdrawn: what search returns.
    current: Mapped[bool] = mapped_column(Boolean)
    created_key: Mapped[int] = mapped_column(BigInteger)
    terms: Mapped[str] = mapped_column(Text)  # space-separated terms (terms.py)
    names: Mapped[str] = mapped_column(Text)  # newline-separated Latin names


class SearchHead(Base):
    """The last stamp given (one row). Taking stamps write-locks it until commit, so stamps
    become visible in order: a reader that has seen stamp n has seen every stamp below n."""

    __tablename__ = "search_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


class SavedSearch(Base):
    """A user's named query, and the stamp of their last look at its results."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user", "name", name="uq_saved_searches_user_name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(String(64), ForeignKey("users.name"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    created: Mapped[str] = mapped_column(String(32))
    last_seen_stamp: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_at: Mapped[str | None] = mapped_column(String(32))
