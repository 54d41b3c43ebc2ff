"""An import is a diff: entries added, changed and removed against the source's current ones.

Nothing is deleted: a changed entry's old version and a delisted entry stay as rows, retired
by the import that changed or removed them. The same files imported again change nothing
(no import row either); other files with the same entries record an import that changed
nothing. Two guards keep a bad file from emptying a list: a publication older than the one
held, and a file holding less than ``SHRINK_FLOOR`` of the entries held (a download cut at an
entry boundary is well-formed), are refused unless the operator says they are meant.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import timestamp
from ..db import batches
from ..errors import Conflict
from .entries import Entry, ListFile, ListFormatError, ParsedList
from .models import ListEntry, ListImport

SHRINK_FLOOR = 0.5


@dataclass(frozen=True)
class Outcome:
    """What an import did (``import_id`` of the import that already held these files when
    ``unchanged``)."""

    source: str
    import_id: int
    published: str | None
    entries: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: bool = False
    notes: list[str] = field(default_factory=list)


def files_digest(files: Sequence[ListFile]) -> str:
    """SHA-256 over the files' SHA-256s, sorted (names and order do not count)."""
    return hashlib.sha256("\n".join(sorted(file.sha256 for file in files)).encode()).hexdigest()


def latest(session: Session, source: str) -> ListImport | None:
    """The latest import of ``source``, if any."""
    return session.scalar(select(ListImport).where(ListImport.source == source)
                          .order_by(ListImport.id.desc()).limit(1))


def already_held(session: Session, source: str, files: Sequence[ListFile]) -> Outcome | None:
    """The outcome of importing these files again when the latest import was of these very
    files (nothing changes), else None."""
    last = latest(session, source)
    if last is None or last.sha256 != files_digest(files):
        return None
    return Outcome(source, last.id, last.published, last.entries, unchanged=True)


def apply(session: Session, parsed: ParsedList, files: Sequence[ListFile], via: str, *,
          allow_older: bool = False, allow_shrink: bool = False) -> Outcome:
    """Store what changed in ``parsed`` since the source's current entries, in ``session``."""
    same = already_held(session, parsed.source, files)
    if same is not None:
        return same
    last = latest(session, parsed.source)
    keys = _unique_keys(parsed)
    held = {row.key: row for row in session.scalars(select(ListEntry).where(
        ListEntry.source == parsed.source, ListEntry.retired_in.is_(None)))}
    _guard(parsed, last, len(held), allow_older, allow_shrink)
    imported = ListImport(source=parsed.source, published=parsed.published,
                          imported=timestamp(), sha256=files_digest(files), via=via[:200],
                          files=[{"name": f.name, "sha256": f.sha256, "bytes": len(f.content)}
                                 for f in files], entries=len(keys), added=0, changed=0,
                          removed=0, notes=list(parsed.notes))
    session.add(imported)
    session.flush()
    delisted = set(session.scalars(select(ListEntry.key).where(
        ListEntry.source == parsed.source, ListEntry.retired_as == "removed")))
    new_rows, retired_changed = [], []
    for entry in parsed.entries:
        row = held.pop(entry.key, None)
        if row is not None and row.digest == entry.digest():
            continue
        change = "changed" if row else "relisted" if entry.key in delisted else "added"
        new_rows.append(_row(parsed.source, entry, imported.id, change, row.id if row else None))
        if row is not None:
            retired_changed.append(row.id)
    _retire(session, retired_changed, imported.id, "changed")
    _retire(session, [row.id for row in held.values()], imported.id, "removed")
    for batch in batches(new_rows, 2000):
        session.execute(insert(ListEntry), batch)
    imported.added = sum(row["change"] != "changed" for row in new_rows)
    imported.changed, imported.removed = len(retired_changed), len(held)
    try:
        session.flush()
    except IntegrityError as exc:  # the unique current (source, key): a concurrent import
        raise Conflict(f"another import of {parsed.source} ran at the same time: import "
                       "again") from exc
    return Outcome(parsed.source, imported.id, parsed.published, len(keys), imported.added,
                   imported.changed, imported.removed, notes=list(parsed.notes))


def _unique_keys(parsed: ParsedList) -> set[str]:
    keys: set[str] = set()
    for entry in parsed.entries:
        if entry.key in keys:
            raise ListFormatError(parsed.source, f"two entries with the key {entry.key!r}")
        keys.add(entry.key)
    return keys


def _guard(parsed: ParsedList, last: ListImport | None, held: int, allow_older: bool,
           allow_shrink: bool) -> None:
    if (not allow_older and last is not None and last.published and parsed.published
            and parsed.published < last.published):
        raise Conflict(f"{parsed.source}: this file was published {parsed.published}, before "
                       f"the one held ({last.published}); pass --allow-older to import it")
    if not allow_shrink and held and len(parsed.entries) < held * SHRINK_FLOOR:
        raise Conflict(f"{parsed.source}: this file holds {len(parsed.entries):,} entries, "
                       f"less than half the {held:,} held (a truncated download?); pass "
                       "--allow-shrink to import it")


def _row(source: str, entry: Entry, import_id: int, change: str,
         replaces: int | None) -> dict[str, object]:
    return {"source": source, "key": entry.key[:200], "kind": entry.kind,
            "name": entry.name[:500], "body": entry.body, "extra": entry.extra,
            "digest": entry.digest(), "added_in": import_id, "change": change,
            "replaces": replaces, "retired_in": None, "retired_as": None}


def _retire(session: Session, row_ids: list[int], import_id: int, reason: str) -> None:
    for batch in batches(row_ids, 1000):
        session.execute(update(ListEntry).where(ListEntry.id.in_(batch))
                        .values(retired_in=import_id, retired_as=reason))
