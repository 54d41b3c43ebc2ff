"""The TAXII 2.1 view of a node: one API root, one collection per TLP level, read-only.

Collections: one per TLP 2.0 level (CLEAR, GREEN, AMBER, AMBER+STRICT, RED), each holding the
STIX objects (``stix.py``) of the records so marked that the caller's agency may see: its own
records and others' released to it. Partners' RED records never reach a node, so the RED
collection holds only the caller's own agency's. Each collection also holds the fixed objects
its records refer to (its TLP marking definition, the agency identities, our extension).

An object's ``date_added`` is the time this node stored its record (``Record.stored``: when it
was written here, pulled from a partner or imported from a bundle), not when its origin
signed it, so a record that arrives late is new to every client whatever its ``created``
time. Stored times rise with storage order (``records.store.stored_now``), and ``added_after``
keeps the objects stored after it. Pages follow storage order (the fixed objects first, then
``Record.position``, then the object's place in its record), so ``next``, which continues
after the last object served with the same filters, never skips or repeats an object even
where times tie. Records held before this node kept stored times have their ``created``
time instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import members
from ..clock import parse_timestamp, timestamp
from ..errors import InvalidInput
from ..markings import TLP_ORDER
from ..records.models import Record
from ..records.queries import is_current, pack_cursor, unpack_cursor, visible_to
from .identifiers import collection_id
from .stix import StixView
from .stix_bundle import MEDIA_TYPE as STIX_MEDIA_TYPE
from .stix_bundle import version
from .stix_common import EXPORTED_TYPES, shared_objects

MEDIA_TYPE = "application/taxii+json;version=2.1"
ROOT = "api"
#: Collection id -> TLP level.
COLLECTIONS = {collection_id(tlp): tlp for tlp in TLP_ORDER}
#: STIX type -> the record types that can give it (filters rows before building objects).
SOURCES = {"identity": ("actor",), "threat-actor": ("actor",),
           "report": ("violation", "procurement_trend"), "grouping": ("case",),
           "relationship": ("violation", "link")}
BATCH = 200  # records read at a time
Key = tuple[int, int]  # (record position, 0 for fixed objects; index among its objects)


def collection(collection_id: str) -> dict[str, Any]:
    """The TAXII collection resource."""
    tlp = COLLECTIONS[collection_id]
    return {"id": collection_id, "title": f"TLP:{tlp.upper()}",
            "description": f"Records marked TLP:{tlp.upper()} that your agency may see, as "
                           "STIX 2.1 objects.",
            "can_read": True, "can_write": False, "media_types": [STIX_MEDIA_TYPE]}


@dataclass(frozen=True)
class Filters:
    """``added_after`` and the ``match[...]`` filters of one request."""

    added_after: str | None = None
    ids: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    versions: frozenset[str] = frozenset()
    spec_versions: frozenset[str] = frozenset()

    @classmethod
    def of(cls, loaded: dict[str, Any]) -> Filters:
        """From ``TaxiiObjectsQuerySchema().load(...)``."""
        def values(key: str) -> frozenset[str]:
            return frozenset(loaded[key].split(",")) if key in loaded else frozenset()
        added = loaded.get("added_after")
        return cls(timestamp(parse_timestamp(added)) if added else None, values("match_id"),
                   values("match_type"), values("match_version"),
                   values("match_spec_version"))

    def admits(self, date_added: str, item: dict[str, Any]) -> bool:
        """Whether ``item``, added at ``date_added``, passes every filter."""
        return ((self.added_after is None or date_added > self.added_after)
                and (not self.ids or item["id"] in self.ids)
                and (not self.types or item["type"] in self.types)
                and self._version_matches(item)
                and (not self.spec_versions or "2.1" in self.spec_versions))

    def _version_matches(self, item: dict[str, Any]) -> bool:
        """``match[version]``: each object has one version here, so first, last and all are
        that version; a time matches the version of that time (to the microsecond)."""
        if not self.versions or self.versions & {"last", "first", "all"}:
            return True
        held = parse_timestamp(version(item))
        return any(_moment(value) == held for value in self.versions)

    def fingerprint(self) -> list[str]:
        """What a ``next`` cursor must be used with."""
        return [self.added_after or "", *(",".join(sorted(values)) for values in (
            self.ids, self.types, self.versions, self.spec_versions))]


@dataclass
class Page:
    """Objects with their ``date_added``, whether more follow, and the next page's cursor."""

    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    more: bool = False
    next: str | None = None

    @property
    def records(self) -> list[str]:
        """The records whose objects the page holds (for the audit trail)."""
        return sorted({item["x_enforce_share_record_id"] for _, item in self.items
                       if "x_enforce_share_record_id" in item})


def page(session: Session, viewer: str, collection_id: str, filters: Filters, limit: int,
         cursor: str | None = None) -> Page:
    """Up to ``limit`` objects of a collection for users of ``viewer``'s agency, in order."""
    after = _decode(cursor, filters) if cursor else None
    found, last = Page(), None
    for key, added, item in _objects(session, viewer, COLLECTIONS[collection_id], filters,
                                     after):
        if len(found.items) == limit:
            found.more = True
            found.next = pack_cursor({"k": list(last or key), "f": filters.fingerprint()})
            break
        found.items.append((added, item))
        last = key
    return found


def manifest_entry(date_added: str, item: dict[str, Any]) -> dict[str, Any]:
    """The TAXII manifest record of one object."""
    return {"id": item["id"], "date_added": date_added, "version": version(item),
            "media_type": STIX_MEDIA_TYPE}


def _objects(session: Session, viewer: str, tlp: str, filters: Filters,
             after: Key | None) -> Iterator[tuple[Key, str, dict[str, Any]]]:
    """The collection's objects that pass ``filters``, in order, after the key ``after``,
    each with its key and its ``date_added``."""
    fixed = sorted(((timestamp(parse_timestamp(item["created"])), item)  # as records write it
                    for item in shared_objects({tlp}, set(members.codes()))),
                   key=lambda pair: (pair[0], pair[1]["id"]))
    for index, (added, item) in enumerate(fixed):
        key = (0, index)
        if (after is None or key > after) and filters.admits(added, item):
            yield key, added, item
    kinds = {kind for name in filters.types for kind in SOURCES.get(name, ())} \
        if filters.types else set(EXPORTED_TYPES)
    query = select(Record).where(Record.tlp == tlp, Record.type.in_(sorted(kinds)),
                                 visible_to(viewer), is_current())
    if filters.added_after:
        query = query.where(Record.stored > filters.added_after)
    start = after[0] if after else 0  # the record of the last object served may have more
    view = StixView(session, viewer)
    while True:
        rows = list(session.scalars(query.where(Record.position >= start)
                                    .order_by(Record.position).limit(BATCH)))
        for row, made in view.per_record(rows):
            for index, item in enumerate(made):
                key = (row.position, index)
                if (after is None or key > after) and filters.admits(row.stored, item):
                    yield key, row.stored, item
        if len(rows) < BATCH:
            return
        start = rows[-1].position + 1


def _moment(value: str) -> datetime | None:
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def _decode(cursor: str, filters: Filters) -> Key:
    try:
        data = unpack_cursor(cursor)
    except InvalidInput:
        data = {}
    key, fingerprint = data.get("k"), data.get("f")
    if (fingerprint != filters.fingerprint() or not isinstance(key, list) or len(key) != 2
            or not all(type(v) is int and 0 <= v < 2**62 for v in key)):
        raise InvalidInput("Invalid next", {"next": ["Not a `next` of this collection and "
                                                     "these filters."]})
    return key[0], key[1]
