"""What an importer reads from a list file: entries shaped like actor records, with provenance.

A list entry's ``body`` has the shape of an actor record's body (``kind``, ``name``,
``aliases``, ``countries``, ``addresses``, ``identifiers``, ``listings``) so that entity
resolution treats it as it treats a partner's actor record; ``extra`` keeps what the list
says beyond that (programmes, remarks, dates of birth), shown to people, not matched on.
The CHPL's entries are items (``kind`` ``item``: an HS-6 code and its tier), not parties.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from ..errors import InvalidInput

#: Each source this node imports: its name on screen (listings say it), and what it holds.
SOURCES: dict[str, str] = {
    "ofac-sdn": "US OFAC SDN List",
    "uk": "UK Sanctions List",
    "un": "UN Security Council Consolidated List",
    "ca-sema": "Canada Special Economic Measures Act List",
    "au-dfat": "Australia DFAT Consolidated List",
    "csl": "US Consolidated Screening List",
    "chpl": "Common High Priority List",
}
ITEM = "item"  # the kind of a CHPL entry


class ListFormatError(InvalidInput):
    """A list file that is not what its source publishes: malformed, truncated, too large,
    hostile. ``where`` names the file and the line or element that is wrong."""

    code = "invalid_list"

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


@dataclass(frozen=True)
class Entry:
    """One entry of a list: the list's own key, an actor-shaped body, and the rest."""

    key: str
    body: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.body.get("kind", ITEM)

    @property
    def name(self) -> str:
        return self.body.get("name") or self.body.get("hs6", "")

    def digest(self) -> str:
        """SHA-256 of the entry's RFC 8785 bytes: equal digests, unchanged entry."""
        document = {"key": self.key, "body": self.body, "extra": self.extra}
        return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


@dataclass(frozen=True)
class ListFile:
    """A file as read for an import: its name, bytes and SHA-256."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ParsedList:
    """Every entry of one source's files, and when the publisher issued them."""

    source: str
    published: str | None
    entries: list[Entry]
    notes: list[str] = field(default_factory=list)  # what the reader left out, and why


#: How the actor graph names a list entry's version: ``list:<row id>``.
GRAPH_PREFIX = "list:"


def graph_id(row_id: int) -> str:
    """The actor graph's id of a list entry version."""
    return f"{GRAPH_PREFIX}{row_id}"


def row_id(graph: str) -> int | None:
    """The row id of a graph id of a list entry (None if it names a record)."""
    number = graph.removeprefix(GRAPH_PREFIX)
    return int(number) if graph.startswith(GRAPH_PREFIX) and number.isdigit() else None
