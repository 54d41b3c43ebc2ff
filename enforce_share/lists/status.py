"""What a node holds of each reference list: the latest import's provenance and the counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from .entries import SOURCES
from .models import ListEntry, ListImport


def status(session: Session) -> list[dict[str, Any]]:
    """Per source (every known one, imported or not): ``current`` entries, ``delisted``
    entries (removed and not listed again), ``imports`` and the ``latest`` import."""
    current = dict(session.execute(select(ListEntry.source, func.count()).where(
        ListEntry.retired_in.is_(None)).group_by(ListEntry.source)).all())
    again = aliased(ListEntry)
    delisted = dict(session.execute(
        select(ListEntry.source, func.count(func.distinct(ListEntry.key)))
        .where(ListEntry.retired_as == "removed", ~exists().where(and_(
            again.source == ListEntry.source, again.key == ListEntry.key,
            again.retired_in.is_(None))))
        .group_by(ListEntry.source)).all())
    imports = dict(session.execute(select(ListImport.source, func.count()).group_by(
        ListImport.source)).all())
    latest = {row.source: row for row in session.scalars(select(ListImport).where(
        ListImport.id.in_(select(func.max(ListImport.id)).group_by(ListImport.source))))}
    return [{"source": source, "name": name, "current": current.get(source, 0),
             "delisted": delisted.get(source, 0), "imports": imports.get(source, 0),
             "latest": describe(latest[source]) if source in latest else None}
            for source, name in SOURCES.items()]


def describe(imported: ListImport) -> dict[str, Any]:
    """One import's provenance and diff, as the CLI and API show it."""
    return {"id": imported.id, "published": imported.published, "imported": imported.imported,
            "sha256": imported.sha256, "files": imported.files, "via": imported.via,
            "entries": imported.entries, "added": imported.added, "changed": imported.changed,
            "removed": imported.removed, "notes": imported.notes}
