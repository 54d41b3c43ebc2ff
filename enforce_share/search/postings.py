"""Term bitmaps over document positions, in memory, caught up from ``search_docs`` by stamp.

Filters and facets over a million records must answer in milliseconds: each term
(``c:RU``, ``h:854231``...) maps to a compressed bitmap (roaring) of the positions holding it,
so a filter is an intersection and a facet count an intersection's cardinality. The
database stays the source of truth: each process reads the documents whose stamp is above
the last it saw (stamps become visible in order, see ``models.SearchHead``), so records
stored by any process (the scheduler's sync, a CLI import) are searchable at the next query.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np
from pyroaring import BitMap
from sqlalchemy import select
from sqlalchemy.orm import Session

from .fulltext import RecentMatches
from .models import SearchDoc
from .stamps import StampReader

#: Rows read between two flushes of buffered positions into bitmaps (bounds memory).
FLUSH_EVERY = 100_000
_EMPTY = BitMap()


class Postings(StampReader):
    """Every term's bitmap, the current documents, and each document's creation time."""

    def __init__(self) -> None:
        self.stamp = 0
        self.lock = threading.RLock()
        self.indexed = BitMap()
        self.current = BitMap()
        self.created = np.zeros(1 << 16, dtype=np.int64)
        self._fields: defaultdict[str, dict[str, BitMap]] = defaultdict(dict)  # field -> value
        self._values: dict[str, list[str]] = {}  # field -> its values, sorted (lazily)
        self.recent_text = RecentMatches()  # what text queries matched, for asking again

    def _read(self, session: Session, head: int,
              progress: Callable[[int], None] | None) -> int:
        query = (select(SearchDoc.position, SearchDoc.current, SearchDoc.created_key,
                        SearchDoc.terms)
                 .where(SearchDoc.stamp > self.stamp, SearchDoc.stamp <= head)
                 .order_by(SearchDoc.stamp).execution_options(yield_per=20_000))
        read = since_flush = 0
        buffered: defaultdict[str, list[int]] = defaultdict(list)
        for partition in session.execute(query).partitions():
            for position, current, created_key, terms in partition:
                if position not in self.indexed:
                    self.indexed.add(position)
                    self._set_created(position, created_key)
                    for term in terms.split():
                        buffered[term].append(position)
                if current:
                    self.current.add(position)
                else:
                    self.current.discard(position)
            read += len(partition)
            since_flush += len(partition)
            if progress:
                progress(len(partition))
            if since_flush >= FLUSH_EVERY:
                self._flush(buffered)
                since_flush = 0
        self._flush(buffered)
        return read

    def _set_created(self, position: int, created_key: int) -> None:
        if position >= len(self.created):
            grown = np.zeros(max(position + 1, 2 * len(self.created)), dtype=np.int64)
            grown[: len(self.created)] = self.created
            self.created = grown
        self.created[position] = created_key

    def _flush(self, buffered: defaultdict[str, list[int]]) -> None:
        for term, positions in buffered.items():
            field, value = term.split(":", 1)
            bitmaps = self._fields[field]
            bitmap = bitmaps.get(value)
            if bitmap is None:
                bitmaps[value] = BitMap(positions)
                self._values.pop(field, None)
            else:
                bitmap.update(positions)
        buffered.clear()

    # -- reading (callers hold ``lock``) ---------------------------------------------------

    def term(self, term: str) -> BitMap:
        """Positions holding ``term`` (do not modify)."""
        field, _, value = term.partition(":")
        return self._fields[field].get(value, _EMPTY) if field in self._fields else _EMPTY

    def any_of(self, terms: Iterable[str]) -> BitMap:
        """Positions holding at least one of ``terms``."""
        return BitMap.union(_EMPTY, *(self.term(term) for term in terms))

    def values(self, field: str) -> list[str]:
        """The values of ``field`` held by some document, sorted."""
        values = self._values.get(field)
        if values is None:
            values = self._values[field] = sorted(self._fields.get(field, ()))
        return values

    def prefixed(self, field: str, prefixes: Iterable[str]) -> BitMap:
        """Positions with a value of ``field`` that starts with any of ``prefixes``."""
        return self.any_of(f"{field}:{value}" for prefix in prefixes
                           for value in self._between(field, prefix, prefix + "\uffff"))

    def between(self, field: str, low: str | None, high: str | None) -> BitMap:
        """Positions with a value of ``field`` in ``[low, high]`` (text order)."""
        return self.any_of(f"{field}:{value}" for value in self._between(
            field, low or "", high or "\uffff"))

    def _between(self, field: str, low: str, high: str) -> list[str]:
        values = self.values(field)
        return values[bisect.bisect_left(values, low):bisect.bisect_right(values, high)]

    def counts(self, field: str, within: BitMap) -> dict[str, int]:
        """Documents of ``within`` per value of ``field`` (values with none left out)."""
        counted = {}
        for value in self.values(field):
            count = within.intersection_cardinality(self._fields[field][value])
            if count:
                counted[value] = count
        return counted
