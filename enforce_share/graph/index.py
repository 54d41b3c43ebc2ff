"""The actor graph's facts and scored matches, kept current from the record store.

Like search's bitmaps, the index lives in each process and reads only what changed: the
search documents stamped since its last read (every writer stamps them in the storing
transaction, retirements included). A new actor is profiled, blocked and scored against its
candidates there and then; a new violation or link adds its edges. Nothing is rebuilt per
request: views (``view.py``) replay the index's event log from where they stopped.
"""

from __future__ import annotations

import gc
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities.blocking import keys, preceding
from ..entities.scoring import Match, Rarity, compare
from ..markings import visible
from ..records.models import Record
from ..search.models import SearchDoc
from ..search.stamps import StampReader
from .facts import Actor, Edge, Judgement, actor, link_fact, violation_edges
from .fork import in_two
from .listed import read_lists

GRAPH_TYPES = ("actor", "violation", "link")
SHARED = {"r": "registration", "c": "contact", "a": "address"}
#: Actors read in one go past which the cyclic garbage collector is told to leave them be:
#: a full collection walking millions of index objects would stall one update ~100 ms.
FREEZE_AFTER = 10_000
FORK_FROM = 20_000  # actors scored in one go from which a second process helps
#: Blocking keys of name words and address numbers (entities/blocking.py): not enough, alone,
#: to score two reference list entries against each other (see ``_candidates``).
NAME_ONLY = ("w:", "a:")


@dataclass(frozen=True)
class Held:
    """What a view needs to know of a record: who may see it, and whether it is current."""

    origin: str
    tlp: str
    releasable_to: tuple[str, ...]
    type: str
    created: str
    reference: bool = False  # a reference list entry (graph/listed.py): no reporting agency

    def visible_to(self, viewer: str) -> bool:
        return visible(viewer, self.origin, self.tlp, self.releasable_to)


@dataclass
class GraphIndex(StampReader):
    """Facts of the records this process has read, in arrival order, and their matches."""

    stamp: int = 0
    held: dict[str, Held] = field(default_factory=dict)
    current: set[str] = field(default_factory=set)
    successor: dict[str, str] = field(default_factory=dict)  # superseded id -> next version
    previous: dict[str, str] = field(default_factory=dict)  # next version -> superseded id
    actors: dict[str, Actor] = field(default_factory=dict)
    arrival: dict[str, int] = field(default_factory=dict)  # actor record -> its place in line
    #: Append-only log of what arrived: ("actor", id), ("match", Match), ("edge", Edge),
    #: ("judgement", Judgement), ("retired", id). Views replay it from their offset.
    events: list[tuple[str, Any]] = field(default_factory=list)
    matches: dict[str, list[Match]] = field(default_factory=lambda: defaultdict(list))
    rarity: Rarity = field(default_factory=Rarity)
    blocks: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: Edges and judgements by an actor record id they name; facts by the record telling them.
    touching: defaultdict[str, list[Edge | Judgement]] = field(
        default_factory=lambda: defaultdict(list))
    told: dict[str, list[Edge | Judgement]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    lists_read: int = 0  # the last reference list import read (graph/listed.py)
    _positions: set[int] = field(default_factory=set)

    def refresh(self, session: Session, progress: Callable[[int], None] | None = None) -> int:
        """Read the records stamped since the last refresh, then the reference list entries
        imported or retired since; returns how many were read."""
        return super().refresh(session, progress) + read_lists(self, session)

    def hold_reference(self, record: dict[str, Any], arrived: list[str]) -> None:
        """Hold a reference list entry (shaped as an actor record), current, to be scored
        with ``arrived`` (see :meth:`score`)."""
        self._hold(record, arrived, reference=True)
        self.current.add(record["id"])

    def score(self, arrived: list[str]) -> None:
        """Score actors just held against those before them (see ``_score``)."""
        self._score(arrived)

    def _read(self, session: Session, head: int,
              progress: Callable[[int], None] | None) -> int:
        query = (select(SearchDoc.position, SearchDoc.current, Record.id, Record.canonical)
                 .join(Record, Record.position == SearchDoc.position)
                 .where(SearchDoc.stamp > self.stamp, SearchDoc.stamp <= head,
                        Record.type.in_(GRAPH_TYPES))
                 .order_by(SearchDoc.stamp).execution_options(yield_per=5000))
        arrived: list[str] = []
        changed = 0
        for position, current, record_id, canonical in session.execute(query):
            changed += 1
            if position not in self._positions:
                self._positions.add(position)
                self._hold(json.loads(canonical), arrived)
            if current:
                self.current.add(record_id)
            elif record_id in self.current:
                self.current.discard(record_id)
                self.events.append(("retired", record_id))
            if progress:
                progress(1)
        self._score(arrived)
        return changed

    def _hold(self, record: dict[str, Any], arrived: list[str], reference: bool = False
              ) -> None:
        marking = record["marking"]
        record_id, body = record["id"], record["body"]
        self.held[record_id] = Held(record["origin"], marking["tlp"],
                                    tuple(marking["releasable_to"]), record["type"],
                                    record["created"], reference)
        if record.get("supersedes"):
            self.successor[record["supersedes"]] = record_id
            self.previous[record_id] = record["supersedes"]
        if record["type"] == "actor":
            held = actor(record_id, body)
            self.actors[record_id] = held
            self.arrival[record_id] = len(self.arrival)
            self.rarity.add(held.profile)
            for key in keys(held.profile):
                self.blocks[key].append(record_id)
            self.events.append(("actor", record_id))
            arrived.append(record_id)
        elif record["type"] == "violation":
            edges = violation_edges(record_id, body)
            self.events += [("edge", edge) for edge in edges]
            self._tell(record_id, edges)
        else:
            fact = link_fact(record_id, body, record["created"])
            self.events.append(("judgement" if isinstance(fact, Judgement) else "edge", fact))
            self._tell(record_id, [fact])

    def _tell(self, record_id: str, facts: list[Edge | Judgement]) -> None:
        self.told[record_id] = facts
        for fact in facts:
            self.touching[fact.a].append(fact)
            self.touching[fact.b].append(fact)

    def _score(self, arrived: list[str]) -> None:
        """Score each new actor against the actors it shares a usable key with (a large
        batch in two processes at once, see ``fork``)."""
        large = len(arrived) >= FREEZE_AFTER
        if large:  # what was just read lives long: collections need not walk it again, and
            gc.freeze()  # a forked child copies fewer pages (a collection writes to them)

        def score(share: Sequence[str]) -> list[tuple[str, list[tuple[Any, ...]]]]:
            return [(record_id, [match.pack() for match in self._candidates(record_id)])
                    for record_id in share]

        found: dict[str, list[tuple[Any, ...]]] = {}
        for part in (in_two(score, arrived) if len(arrived) >= FORK_FROM else [score(arrived)]):
            found.update(part)
        for record_id in arrived:
            for packed in found[record_id]:
                match = Match.unpack(packed)
                self.matches[match.a].append(match)
                self.matches[match.b].append(match)
                if match.accepted or match.apart:
                    self.events.append(("match", match))
                elif shared := _shared(match):
                    edge = Edge(match.a, match.b, "shares_identifier", shared, match.a)
                    self.events.append(("edge", edge))
                    self.touching[match.a].append(edge)
                    self.touching[match.b].append(edge)
        if large:
            gc.freeze()

    def _candidates(self, record_id: str) -> list[Match]:
        """One new actor scored against the actors before it in line that share a usable
        key with it (each pair once, by the later of the two): every one of a small block,
        the latest ``SAMPLE`` of a large one (see ``entities.blocking.preceding``).

        Two reference list entries are scored only when they share a registry number, a
        contact or their whole name (``NAME_ONLY`` keys left out): lists hold tens of
        thousands of entries, persons with dozens of aliases, and what joins two lists'
        entries of one company is its registration numbers (INN, OGRN, IMO)."""
        profile = self.actors[record_id].profile
        place = self.arrival[record_id]
        reference = self.held[record_id].reference
        seen: set[str] = set()
        found = []
        for key in keys(profile):
            for other in preceding(self.blocks[key], place, self.arrival.__getitem__, key):
                if reference and key[:2] in NAME_ONLY and self.held[other].reference:
                    continue
                if other not in seen:
                    seen.add(other)
                    found.append(compare(profile, self.actors[other].profile, self.rarity))
        return found

    def latest(self, record_id: str) -> str:
        """The latest version of an actor record held (itself if none supersedes it)."""
        while record_id in self.successor:
            record_id = self.successor[record_id]
        return record_id

    def versions(self, record_id: str) -> list[str]:
        """``record_id`` and the ids of the versions it supersedes, newest first."""
        chain = [record_id]
        while chain[-1] in self.previous:
            chain.append(self.previous[chain[-1]])
        return chain

    def candidates(self, record_id: str) -> list[Match]:
        """Scored candidates of one actor record, best first (views filter them)."""
        return sorted(self.matches.get(record_id, ()), key=lambda match: -match.score)


def _shared(match: Match) -> str:
    """What two actors judged different still share (an edge between them), if anything."""
    features = match.features
    shared = [*features["registration_agrees"], *features["contacts_shared"]]
    if (features["address_overlap"] or 0) >= 0.6:
        shared.append("address")
    return ", ".join(shared)
