"""Running a query: filters on the term bitmaps, text in the database, names re-ranked,
facets counted, results ordered and cut into keyset pages, rows read under the viewer's marks.

Only the latest version of a record that is not withdrawn is found, and only if the
viewer's agency may see it (``o:`` its own, ``r:`` released to it); the rows of a page are
read again with the same rule in SQL, so a stale bitmap can never show a record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyroaring import BitMap
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, VerificationError
from ..records.fields import is_record_id
from ..records.models import Record
from ..records.queries import is_current, pack_cursor, signed, unpack_cursor, visible_to
from ..signing.trust import TrustRegistry
from . import fulltext, names
from .models import SearchDoc
from .postings import Postings
from .query import Query

#: Facet name -> term field.
FACETS = {"origin": "o", "type": "t", "country": "c", "hs_chapter": "hc", "month": "mo"}
#: Filter -> term field, for filters that match whole values.
EXACT = {"type": "t", "origin": "o", "country": "c", "violation_type": "v", "method": "m",
         "action": "x", "tlp": "l"}
NAME_MIN = 0.75  # the least likeness a name match needs
NAME_CANDIDATES = 20_000  # the most candidates re-ranked for one name
TEXT_SCORE = {True: 1.0, False: 0.5}  # matched in the title, elsewhere
_CREATED_BITS = 34  # seconds since 1970 fit until the year 2514


@dataclass(frozen=True)
class Hit:
    row: Record
    score: float
    verified: bool


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    next: str | None
    total: int
    facets: dict[str, dict[str, int]]
    stamp: int  # the index state they reflect (saved searches: seen up to here)

    def page(self) -> dict[str, Any]:
        """As the API answers: ``{items: [{record, jws, verified, score}], next, total,
        facets}``."""
        return {"items": [{**signed(hit.row), "verified": hit.verified, "score": hit.score}
                          for hit in self.hits],
                "next": self.next, "total": self.total, "facets": self.facets}


def search(session: Session, postings: Postings, registry: TrustRegistry, query: Query,
           viewer: str, *, since: int | None = None) -> Results:
    """Run ``query`` for a user of ``viewer``'s agency (``since``: only documents stamped
    later; a cursor carries it to the next pages)."""
    text = fulltext.parse_text(query.q) if query.q else None
    after = None
    if query.cursor:
        after, since = _decode_cursor(query)
    postings.refresh(session)
    with postings.lock:
        found = postings.current & (postings.term(f"o:{viewer}") | postings.term(f"r:{viewer}"))
        found = _filter(session, postings, query, found)
        if since is not None:
            found &= _arrived(session, since, postings.stamp)
        scores: list[dict[int, float] | BitMap] = []
        if text is not None:
            anywhere, titled = postings.recent_text.matching(
                session.connection(), text, postings.stamp,
                lambda stamp: _arrived(session, stamp, postings.stamp))
            found &= anywhere
            scores.append(titled & found)
        if query.name:
            matched = _name_scores(session, postings, found, query.name)
            found &= BitMap(matched)
            scores.append(matched)
        facets = {facet: postings.counts(field, found) for facet, field in FACETS.items()}
        page, last = _page(postings, found, scores, query, after)
        stamp = postings.stamp
    rows = _rows(session, [position for position, _ in page], viewer)
    hits = [Hit(rows[position], score, _verified(registry, rows[position]))
            for position, score in page if position in rows]
    next_cursor = _encode_cursor(query, last, since) if last is not None else None
    return Results(hits, next_cursor, len(found), facets, stamp)


def _arrived(session: Session, after: int, up_to: int) -> BitMap:
    """Current documents stamped in ``(after, up_to]``."""
    return BitMap(session.scalars(select(SearchDoc.position).where(
        SearchDoc.stamp > after, SearchDoc.stamp <= up_to, SearchDoc.current.is_(True))))


def _filter(session: Session, postings: Postings, query: Query, found: BitMap) -> BitMap:
    for name, field in EXACT.items():
        values = getattr(query, name)
        if values:
            found &= postings.any_of(f"{field}:{value}" for value in values)
    if query.hs:
        found &= postings.prefixed("h", query.hs)
    if query.eccn:
        found &= postings.prefixed("e", [value.upper() for value in query.eccn])
    if query.from_ or query.to:
        found &= postings.between("d", query.from_, query.to)
    if query.case:
        found &= _case_positions(session, postings, found, query.case)
    if query.actor:
        found &= _actor_positions(session, postings, found, query.actor)
    return found


def _name_scores(session: Session, postings: Postings, within: BitMap,
                 name: str) -> dict[int, float]:
    """Documents of ``within`` named like ``name``, with their likeness (>= NAME_MIN)."""
    words, joined = names.query_terms(name)
    if not words:
        return {}
    candidates = BitMap.intersection(*(postings.term(word) for word in words))
    candidates = (candidates | postings.term(joined or "")) & within
    positions = list(candidates)[-NAME_CANDIDATES:]  # the newest arrivals, if ever so many
    scores = {}
    for start in range(0, len(positions), 5000):
        for position, spellings in session.execute(
                select(SearchDoc.position, SearchDoc.names)
                .where(SearchDoc.position.in_(positions[start:start + 5000]))):
            best = max((names.similarity(name, spelling) for spelling in spellings.split("\n")),
                       default=0.0)
            if best >= NAME_MIN:
                scores[position] = best
    return scores


def _versions(session: Session, ids: Iterable[str]) -> dict[str, int]:
    """Every version held of the records ``ids`` (id -> position), both ways along supersedes."""
    held: dict[str, int] = {}
    frontier = {record_id for record_id in ids if is_record_id(record_id)}
    while frontier:
        rows = session.execute(select(Record.id, Record.position, Record.supersedes,
                                      Record.superseded_by).where(Record.id.in_(frontier))).all()
        held.update((row.id, row.position) for row in rows)
        frontier = {link for row in rows for link in (row.supersedes, row.superseded_by)
                    if link and link not in held}
    return held


def _case_positions(session: Session, postings: Postings, visible: BitMap,
                    cases: Iterable[str]) -> BitMap:
    """The cases of ``cases`` the viewer may see, and every record their latest versions hold."""
    found = BitMap()
    for case in cases:
        versions = _versions(session, [case])
        latest = BitMap(versions.values()) & visible & postings.term("t:case")
        if not latest:
            continue
        found |= BitMap(versions.values())
        body = json.loads(session.scalar(select(Record.canonical).where(
            Record.position == latest.max())))["body"]
        found |= BitMap(_versions(session, body.get("records", ())).values())
    return found


def _actor_positions(session: Session, postings: Postings, visible: BitMap,
                     actors: Iterable[str]) -> BitMap:
    """Actors given by id or name, and every record naming any version of them."""
    ids: set[str] = set()
    for actor in actors:
        if is_record_id(actor):
            ids.add(actor)
            continue
        named = _name_scores(session, postings, visible & postings.term("t:actor"), actor)
        ids.update(session.scalars(select(Record.id).where(Record.position.in_(list(named)))))
    versions = _versions(session, ids)
    return BitMap(versions.values()) | postings.any_of(f"p:{record_id}" for record_id in versions)


# -- order and pages ------------------------------------------------------------------------

def _page(postings: Postings, found: BitMap, scores: list[dict[int, float] | BitMap],
          query: Query, after: tuple[int, int] | None
          ) -> tuple[list[tuple[int, float]], tuple[int, int] | None]:
    """The page after ``after`` of ``found``, in the query's order: (position, score) pairs,
    and the (key, tie) of its last item when more follow (the next page's cursor). Order: a
    key (score, then creation) and the position for ties."""
    positions = np.frombuffer(found.to_array(), dtype=np.uint32).astype(np.int64)
    score = _score_array(positions, scores)
    created = postings.created[positions]
    if query.order == "oldest":
        key, tie = -created, -positions
    elif query.order == "relevance":
        key, tie = np.rint(score * 10_000).astype(np.int64) << _CREATED_BITS | created, positions
    else:
        key, tie = created, positions
    if after is not None:
        keep = (key < after[0]) | ((key == after[0]) & (tie < after[1]))
        positions, score, key, tie = positions[keep], score[keep], key[keep], tie[keep]
    wanted = query.limit + 1
    if len(key) > wanted:  # only what can reach the page is sorted
        floor = np.partition(key, len(key) - wanted)[len(key) - wanted]
        near = key >= floor
        positions, score, key, tie = positions[near], score[near], key[near], tie[near]
    order = np.lexsort((-tie, -key))[:wanted]
    page = [(int(positions[i]), round(float(score[i]), 4)) for i in order]
    if len(page) <= query.limit:
        return page, None
    last = order[query.limit - 1]
    return page[: query.limit], (int(key[last]), int(tie[last]))


def _score_array(positions: np.ndarray, scores: list[dict[int, float] | BitMap]) -> np.ndarray:
    """Relevance per position: the mean of the text score and the name likeness present."""
    if not scores:
        return np.zeros(len(positions))
    total = np.zeros(len(positions))
    for part in scores:
        if isinstance(part, BitMap):  # matched the text in the title
            values = np.full(len(positions), TEXT_SCORE[False])
            values[np.searchsorted(positions, np.array(part, dtype=np.int64))] = TEXT_SCORE[True]
        else:
            values = np.zeros(len(positions))
            keys = np.fromiter(part, dtype=np.int64, count=len(part))
            values[np.searchsorted(positions, keys)] = np.fromiter(
                part.values(), dtype=float, count=len(part))
        total += values
    return total / len(scores)


def _encode_cursor(query: Query, last: tuple[int, int], since: int | None) -> str:
    return pack_cursor({"f": query.fingerprint(), "k": last[0], "t": last[1], "s": since})


def _decode_cursor(query: Query) -> tuple[tuple[int, int], int | None]:
    data = unpack_cursor(query.cursor or "")
    key, tie, fingerprint, since = data.get("k"), data.get("t"), data.get("f"), data.get("s")
    problem = InvalidInput("Invalid cursor", {"cursor": ["Not a cursor of this search."]})
    if fingerprint != query.fingerprint() or not all(
            type(v) is int and abs(v) < 2**62 for v in (key, tie)) or not (
            since is None or (type(since) is int and 0 <= since < 2**62)):
        raise problem
    return (key, tie), since


# -- rows -------------------------------------------------------------------------------------

def _rows(session: Session, positions: list[int], viewer: str) -> dict[int, Record]:
    if not positions:
        return {}
    return {row.position: row for row in session.scalars(
        select(Record).where(Record.position.in_(positions), visible_to(viewer), is_current()))}


def _verified(registry: TrustRegistry, row: Record) -> bool:
    """Signed with a key trusted here for the origin, valid at the record's seq, and not
    disavowed."""
    if row.disavowed_by is not None:
        return False
    try:
        registry.entry(row.kid).check_usable(row.origin, row.seq)
    except VerificationError:
        return False
    return True
