"""Free text: the ``q`` syntax, and the full-text table of each database.

``q`` reads like a web search box: words all must match (English stemming, accents ignored),
``"a phrase"`` matches words in order, ``OR`` between two terms accepts either, ``-word``
excludes. A term with inner punctuation (``Tekhno-Treyd``, ``3A001.a``) is a phrase of its
words. SQLite answers with FTS5 (a contentless table: the text is not stored twice),
PostgreSQL with a ``tsvector`` column and a GIN index. Titles (and actor names) are a
column (FTS5) or weight A (PostgreSQL) of their own, so a match in the title ranks first.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyroaring import BitMap
from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..errors import InvalidInput

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")
MAX_TERMS = 32
MAX_CATCH_UP = 10_000  # more new documents than this: ask the database afresh


@dataclass(frozen=True)
class Term:
    """Words that must appear in order (one word: anywhere); ``negated`` excludes them."""

    words: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class TextQuery:
    """All groups must match; a group matches when any of its terms does."""

    groups: tuple[tuple[Term, ...], ...]

    def fts5(self, column: str | None = None) -> str:
        """The FTS5 MATCH expression (restricted to ``column``)."""
        positive, negative = [], []
        for group in self.groups:
            if group[0].negated:
                negative.append(_fts5_phrase(group[0]))
            else:
                positive.append("(" + " OR ".join(_fts5_phrase(t) for t in group) + ")")
        expression = " AND ".join(positive)
        if negative:
            expression = f"({expression}) NOT ({' OR '.join(negative)})"
        return f"{{{column}}} : ({expression})" if column else expression

    def tsquery(self, weight: str = "") -> str:
        """The ``to_tsquery`` text (lexemes restricted to ``weight``, e.g. ``A``)."""
        parts = []
        for group in self.groups:
            if group[0].negated:
                parts.append("!" + _ts_phrase(group[0], ""))
            else:
                parts.append("(" + " | ".join(_ts_phrase(t, weight) for t in group) + ")")
        return " & ".join(parts)


def _fts5_phrase(term: Term) -> str:
    return '"' + " ".join(term.words) + '"'


def _ts_phrase(term: Term, weight: str) -> str:
    suffix = f":{weight}" if weight else ""
    return "(" + " <-> ".join(f"'{word}'{suffix}" for word in term.words) + ")"


def parse_text(q: str) -> TextQuery:
    """Parse ``q``; InvalidInput naming ``q`` when nothing in it can be searched for."""
    groups: list[list[Term]] = []
    join_next = False
    for match in _TOKEN.finditer(q):
        negated_phrase, phrase, bare = match.groups()
        if bare == "OR":
            join_next = bool(groups) and not groups[-1][0].negated
            continue
        negated = bool(negated_phrase) or bool(bare and bare.startswith("-") and len(bare) > 1)
        words = tuple(w.lower() for w in _WORD.findall(phrase if phrase is not None else bare))
        if not words:
            continue
        term = Term(words, negated)
        if join_next and not negated:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if not any(not group[0].negated for group in groups):
        raise InvalidInput("Nothing to search for in q",
                           {"q": ["Give at least one word that must appear."]})
    if sum(len(group) for group in groups) > MAX_TERMS:
        raise InvalidInput("Too many terms in q", {"q": [f"At most {MAX_TERMS} terms."]})
    return TextQuery(tuple(tuple(group) for group in groups))


# -- the table (created by migration 0004) -------------------------------------------------

def write(connection: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """Index ``(position, title, text)`` rows (each position once: records never change)."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO search_text (rowid, title, body) "
                                "VALUES (:p, :title, :body)"),
                           [{"p": p, "title": title, "body": body} for p, title, body in rows])
    else:  # one statement over arrays, not one per row
        positions, titles, bodies = zip(*rows, strict=True)
        connection.execute(text(
            "INSERT INTO search_text (position, tsv) SELECT p, "
            "setweight(to_tsvector('english', t), 'A') || "
            "setweight(to_tsvector('english', b), 'B') "
            "FROM unnest(CAST(:p AS bigint[]), CAST(:t AS text[]), CAST(:b AS text[])) "
            "AS u(p, t, b)"), {"p": list(positions), "t": list(titles), "b": list(bodies)})


def matching(connection: Connection, query: TextQuery, since: int = 0
             ) -> tuple[BitMap, BitMap]:
    """Positions (from ``since`` on) matching ``query`` anywhere, and in the title alone."""
    if connection.dialect.name == "sqlite":
        sql = "SELECT rowid FROM search_text WHERE search_text MATCH :q AND rowid >= :since"
        anywhere = connection.execute(text(sql), {"q": query.fts5(), "since": since}).scalars()
        titled = connection.execute(text(sql), {"q": query.fts5("title"), "since": since})
        return BitMap(anywhere), BitMap(titled.scalars())
    rows = connection.execute(text(
        "SELECT position, tsv @@ to_tsquery('english', :title) FROM search_text "
        "WHERE tsv @@ to_tsquery('english', :q) AND position >= :since"),
        {"q": query.tsquery(), "title": query.tsquery("A"), "since": since}).all()
    return BitMap(p for p, _ in rows), BitMap(p for p, in_title in rows if in_title)


class RecentMatches:
    """The matches of recently asked text queries, kept current as documents arrive.

    A record's text never changes, so the matches of a query only grow: asked again (the
    next page, one more filter, a saved search), a query reads only the documents stamped
    since. A PostgreSQL heap larger than its shared buffers makes a broad first ask cost a
    few hundred milliseconds at a million records; asking again costs the new documents.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._held: OrderedDict[str, tuple[int, BitMap, BitMap]] = OrderedDict()
        self._lock = threading.Lock()

    def matching(self, connection: Connection, query: TextQuery, stamp: int,
                 arrived: Callable[[int], BitMap]) -> tuple[BitMap, BitMap]:
        """``matching`` as of ``stamp``; ``arrived(s)``: current documents stamped after s."""
        key = query.fts5()
        with self._lock:
            held = self._held.get(key)
        if held is not None and held[0] >= stamp:
            anywhere, titled = held[1], held[2]
        elif held is not None and len(new := arrived(held[0])) <= MAX_CATCH_UP:
            if new:
                more, more_titled = matching(connection, query, new.min())
                anywhere, titled = held[1] | (more & new), held[2] | (more_titled & new)
            else:
                anywhere, titled = held[1], held[2]
        else:
            anywhere, titled = matching(connection, query)
        with self._lock:
            self._held[key] = (stamp, anywhere, titled)
            self._held.move_to_end(key)
            while len(self._held) > self._size:
                self._held.popitem(last=False)
        return anywhere, titled
