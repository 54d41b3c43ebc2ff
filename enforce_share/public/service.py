"""The public list's use cases: the entries, and each published format of them.

The list is made again only when the records held have changed (the search stamp moves with
every record stored or retired) or the node's signing key has: a public endpoint is asked
often, by anyone, and must cost a lookup, not a scan of the records.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..clock import timestamp
from ..search.models import SearchHead
from ..signing.node_keys import current_signer
from . import csvfile, ftm
from .document import signed_document
from .entries import entry
from .selection import public_actors

if TYPE_CHECKING:
    from ..node import Node

FORMATS = {"json": "application/json", "ftm": "application/x-ndjson", "csv": "text/csv"}


@dataclass(frozen=True)
class Made:
    """The list as made at one state of the store, signed with one key."""

    state: tuple[int, str]
    entries: list[dict[str, Any]]
    signed: dict[str, Any]


class PublicList:
    """The public list of one node, made once per state of its records."""

    def __init__(self) -> None:
        self._made: Made | None = None
        self._lock = threading.Lock()

    def current(self, node: Node) -> Made:
        """The list as the records held now make it."""
        with node.reading() as session:
            stamp = session.scalar(select(SearchHead.stamp).where(SearchHead.id == 1)) or 0
            signer = current_signer(session, node.agency, node.config.keys_dir)
            state = (stamp, signer.kid)
            made = self._made
            if made is not None and made.state == state:
                return made
            with self._lock:
                entries = [entry(actor) for actor in public_actors(session)]
        made = Made(state, entries, signed_document(entries, node.agency, timestamp(), signer))
        self._made = made
        return made

    def export(self, node: Node, fmt: str) -> str | dict[str, Any]:
        """The list in ``fmt``: ``json`` (the signed document), ``ftm`` (FollowTheMoney JSON
        lines) or ``csv``."""
        made = self.current(node)
        if fmt == "json":
            return made.signed
        return ftm.to_jsonl(made.entries) if fmt == "ftm" else csvfile.to_csv(made.entries)
