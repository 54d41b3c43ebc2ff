"""Tables of the reference lists: each import with its provenance, and every entry's versions.

An entry's versions are rows: an import adds a row for each entry it finds new or changed
and retires the row it replaces (``retired_as`` ``changed``), or the row of an entry the
file no longer holds (``removed``: delisted, kept as history). The current entries of a
source are its rows not retired; the database holds at most one per key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigIntPK


class ListImport(Base):
    """One import of a source's files: where they came from, what they held, what changed."""

    __tablename__ = "list_imports"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    #: The publisher's date (YYYY-MM-DD, or YYYY-MM from a file name); None if not given.
    published: Mapped[str | None] = mapped_column(String(32))
    imported: Mapped[str] = mapped_column(String(40))
    #: SHA-256 over the files' own SHA-256s, sorted: the same files give the same digest.
    sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # name, sha256, bytes
    via: Mapped[str] = mapped_column(String(200))
    entries: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    notes: Mapped[list[str]] = mapped_column(JSON)


class ListEntry(Base):
    """One version of one entry of a list."""

    __tablename__ = "list_entries"
    __table_args__ = (
        Index("ix_list_entries_source_key", "source", "key"),
        Index("ix_list_entries_current", "source", "key", unique=True,
              sqlite_where=text("retired_in IS NULL"),
              postgresql_where=text("retired_in IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(500))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # actor-shaped (lists/entries.py)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    added_in: Mapped[int] = mapped_column(BigInteger, ForeignKey("list_imports.id"), index=True)
    change: Mapped[str] = mapped_column(String(16))  # added, changed, relisted
    replaces: Mapped[int | None] = mapped_column(BigInteger)  # the version it follows
    retired_in: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("list_imports.id"),
                                                   index=True)
    retired_as: Mapped[str | None] = mapped_column(String(16))  # changed, removed
