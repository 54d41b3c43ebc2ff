"""The reference lists' use cases: import files, tell what is held, look entries up.

A list is read whole, before any transaction (a malformed file is refused with nothing
touched), then its diff is stored in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..adapters import lists as readers
from ..db import Storage
from ..errors import InvalidInput
from . import importer, status
from .entries import ITEM, SOURCES, ListFile, ListFormatError, graph_id, row_id
from .models import ListEntry


def list_files(paths: Iterable[Path]) -> list[Path]:
    """The files of ``paths``, a folder standing for the files in it (not hidden ones)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(
                "."))
        else:
            found.append(path)
    return found


def import_files(storage: Storage, source: str, paths: Sequence[Path], *, via: str = "cli",
                 published: str | None = None, allow_older: bool = False,
                 allow_shrink: bool = False) -> importer.Outcome:
    """Import ``source`` from its files (or folders of them); see ``importer.apply``."""
    if source not in SOURCES:
        raise InvalidInput(f"Unknown source {source!r}",
                           {"source": [f"One of {', '.join(SOURCES)}."]})
    files = list_files(paths)
    if not files:
        raise ListFormatError(source, "no file given")
    read: list[ListFile] = [readers.read_file(path) for path in files]
    with storage.reading() as session:  # the same files again: nothing to read or change
        same = importer.already_held(session, source, read)
    if same is not None:
        return same
    parsed = readers.read(source, read)
    if published is not None:
        parsed = type(parsed)(parsed.source, published, parsed.entries, parsed.notes)
    with storage.transaction() as session:
        return importer.apply(session, parsed, read, via, allow_older=allow_older,
                              allow_shrink=allow_shrink)


def held(storage: Storage) -> list[dict[str, Any]]:
    """Per source: what is held (see ``status.status``)."""
    with storage.reading() as session:
        return status.status(session)


def describe_entries(session: Session, graph_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The list entries named by graph ids (``list:<row>``), as screening shows them."""
    rows = {number for graph in graph_ids if (number := row_id(graph)) is not None}
    if not rows:
        return {}
    return {graph_id(row.id): {"source": row.source, "list": next(
        (listing["list"] for listing in row.body.get("listings", ())), SOURCES[row.source]),
                               "key": row.key, "name": row.name, "kind": row.kind,
                               "listings": row.body.get("listings", []),
                               "countries": row.body.get("countries", []),
                               "programs": row.extra.get("programs", []),
                               "current": row.retired_in is None}
            for row in session.scalars(select(ListEntry).where(ListEntry.id.in_(rows)))}


def chpl_tiers(session: Session) -> dict[str, dict[str, str]]:
    """The CHPL held: HS-6 code -> ``{tier, group}`` (empty until the CHPL is imported)."""
    return {row.key: {"tier": row.body["tier"], "group": row.body.get("group", "")}
            for row in session.scalars(select(ListEntry).where(
                ListEntry.source == "chpl", ListEntry.kind == ITEM,
                ListEntry.retired_in.is_(None)))}
