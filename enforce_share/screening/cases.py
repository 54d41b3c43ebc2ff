"""Which cases list a record: the reverse of a case's ``records``, kept current by stamp.

A screening answer names the cases an entity's records and violations appear in. Searching
every case's text for the ids took 0.1 s a request at 240,000 records; instead each process
holds the current cases (their marking and the ids they list) and reads only the case
documents stamped since its last look, as the search bitmaps and the actor graph do.
Whether the caller may see a case is decided at each question (``markings.visible``).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..markings import visible
from ..records.models import Record
from ..search.models import SearchDoc
from ..search.stamps import StampReader


@dataclass(frozen=True)
class Case:
    """A current case as answers show it, and the records it lists."""

    id: str
    origin: str
    tlp: str
    releasable_to: tuple[str, ...]
    title: str
    status: str
    lead_agency: str
    records: frozenset[str]

    def shown(self) -> dict[str, Any]:
        return {"id": self.id, "origin": self.origin, "title": self.title,
                "status": self.status, "lead_agency": self.lead_agency,
                "marking": {"tlp": self.tlp, "releasable_to": list(self.releasable_to)}}


@dataclass
class CaseIndex(StampReader):
    """The current cases of one database and the reverse of their record lists."""

    stamp: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    cases: dict[str, Case] = field(default_factory=dict)
    naming: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def _read(self, session: Session, head: int,
              progress: Callable[[int], None] | None) -> int:
        query = (select(SearchDoc.current, Record.id, Record.origin, Record.tlp,
                        Record.releasable_to, Record.canonical)
                 .join(Record, Record.position == SearchDoc.position)
                 .where(SearchDoc.stamp > self.stamp, SearchDoc.stamp <= head,
                        Record.type == "case")
                 .order_by(SearchDoc.stamp).execution_options(yield_per=2000))
        read = 0
        for current, record_id, origin, tlp, releasable_to, canonical in session.execute(query):
            read += 1
            self._forget(record_id)
            if current:
                body = json.loads(canonical)["body"]
                case = Case(record_id, origin, tlp, tuple(releasable_to), body["title"],
                            body["status"], body["lead_agency"],
                            frozenset(body.get("records", ())))
                self.cases[record_id] = case
                for listed in case.records:
                    self.naming[listed].add(record_id)
        return read

    def _forget(self, record_id: str) -> None:
        case = self.cases.pop(record_id, None)
        for listed in case.records if case else ():
            self.naming[listed].discard(record_id)

    def listing(self, record_ids: Iterable[str], viewer: str) -> dict[str, list[dict[str, Any]]]:
        """Record id -> the current cases the viewer may see that list it."""
        found: dict[str, list[dict[str, Any]]] = {}
        with self.lock:  # a refresh in another thread changes the sets
            named = {record_id: sorted(self.naming.get(record_id, ())) for record_id in record_ids}
        for record_id, case_ids in named.items():
            cases = [self.cases[case] for case in case_ids if case in self.cases]
            shown = [case.shown() for case in cases
                     if visible(viewer, case.origin, case.tlp, case.releasable_to)]
            if shown:
                found[record_id] = shown
        return found


_INDEXES: dict[str, CaseIndex] = {}
_LOCK = threading.Lock()


def case_index(database: str) -> CaseIndex:
    """This process's case index of ``database`` (made on first use)."""
    with _LOCK:
        return _INDEXES.setdefault(database, CaseIndex())
