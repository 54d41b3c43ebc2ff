"""Clusters of actor records by union-find over accepted matches, under analysts' judgements.

Analysts' ``same_as`` links join records whatever the scorer says; their ``not_same_as``
links keep two records apart whatever it says: a match that would put them in one cluster is
refused (matches are taken best first, so the weaker link of a chain is the one refused).
A cluster's id is that of its earliest member, so it stays while records join it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Clusters:
    """Union-find over record ids with cannot-link constraints."""

    def __init__(self, order: Mapping[str, int]) -> None:
        self._order = order  # record id -> storage order (earlier: smaller)
        self._parent: dict[str, str] = {}
        self._apart: dict[str, set[str]] = {}  # root -> roots it may never join

    def find(self, record: str) -> str:
        """The id of ``record``'s cluster (its earliest member)."""
        parent = self._parent.setdefault(record, record)
        if parent == record:
            return record
        root = self.find(parent)
        self._parent[record] = root
        return root

    def keep_apart(self, a: str, b: str) -> None:
        """A ``not_same_as`` judgement (or a conflict). Records already in one cluster stay
        in it: union-find cannot split one (forming the clusters again can), and a cluster
        kept apart from itself broke every later join of it."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        self._apart.setdefault(root_a, set()).add(root_b)
        self._apart.setdefault(root_b, set()).add(root_a)

    def kept_apart(self, a: str, b: str) -> bool:
        """Whether the clusters of ``a`` and ``b`` may not join (a judgement or a conflict)."""
        return self.find(b) in self._apart.get(self.find(a), ())

    def join(self, a: str, b: str) -> bool:
        """Put ``a`` and ``b`` in one cluster; False if a ``not_same_as`` judgement keeps
        their clusters apart."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        if root_b in self._apart.get(root_a, ()):
            return False
        keep, gone = sorted((root_a, root_b), key=lambda r: (self._order.get(r, 0), r))
        self._parent[gone] = keep
        apart = self._apart.pop(gone, set())
        for other in apart:
            others = self._apart[other]
            others.discard(gone)
            others.add(keep)
        self._apart.setdefault(keep, set()).update(apart)
        return True

    def forget(self, records: Iterable[str]) -> None:
        """Drop whole clusters (all their members given): unions and judgements, so they can
        be formed again from what still holds."""
        records = set(records)
        for root in {self.find(record) for record in records}:
            for other in self._apart.pop(root, ()):
                self._apart.get(other, set()).discard(root)
        for record in records:
            self._parent.pop(record, None)

    def groups(self, records: Iterable[str]) -> dict[str, list[str]]:
        """Cluster id -> its members among ``records``."""
        grouped: dict[str, list[str]] = {}
        for record in records:
            grouped.setdefault(self.find(record), []).append(record)
        return grouped


def cluster(records: Iterable[str], order: Mapping[str, int],
            matches: Iterable[tuple[float, str, str]],
            same_as: Iterable[tuple[str, str]] = (),
            not_same_as: Iterable[tuple[str, str]] = ()) -> dict[str, list[str]]:
    """Clusters of ``records``: judgements first (``not_same_as`` before ``same_as``: the
    caller passes each pair's latest judgement), then ``(score, a, b)`` matches best first."""
    clusters = Clusters(order)
    for a, b in not_same_as:
        clusters.keep_apart(a, b)
    for a, b in same_as:
        clusters.join(a, b)
    for _, a, b in sorted(matches, key=lambda match: -match[0]):
        clusters.join(a, b)
    return clusters.groups(records)
