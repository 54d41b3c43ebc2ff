"""The federation's promise, checked against the origins' own databases: every partner holds
in full every record released to it, and nothing else in full; every seq of every log.

Also in-process peers (a node's feed called directly, honestly or withholding on purpose) for
property tests that run many sync orders quickly; real HTTP is tested with gunicorn nodes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from enforce_share.markings import given_to
from enforce_share.node import Node
from enforce_share.records.drafts import RESERVED_TYPES
from enforce_share.records.entries import record_stub
from enforce_share.records.models import Placeholder, Record
from enforce_share.signing import jws


def broken_promises(nodes: Mapping[str, Node]) -> list[str]:
    """What any node holds otherwise than its origins released it: [] when all is well.

    For each node and each other origin's seq at the origin: released to the node and not
    withdrawn -> held in full, same hash; not released -> held only as a placeholder, same
    hash; released but withdrawn -> either. And nothing of an origin held past its log.
    Released is as the feed gives (``markings.given_to``): what a node writes of itself
    (keys, roots, membership) goes to every member, one admitted later included.
    """
    logs = {}
    for agency, node in nodes.items():
        with node.reading() as session:
            logs[agency] = {row.seq: row for row in session.execute(
                select(Record.seq, Record.type, Record.record_hash, Record.tlp,
                       Record.releasable_to, Record.withdrawn_by).where(Record.origin == agency))}
    problems = []
    for agency, node in nodes.items():
        with node.reading() as session:
            full = {(row.origin, row.seq): row.record_hash for row in session.execute(
                select(Record.origin, Record.seq, Record.record_hash))}
            holes = {(row.origin, row.seq): row.record_hash for row in session.execute(
                select(Placeholder.origin, Placeholder.seq, Placeholder.record_hash))}
        for origin, log in logs.items():
            if origin == agency:
                continue
            for seq, row in log.items():
                key, released = (origin, seq), given_to(
                    row.tlp, row.releasable_to, agency, reserved=row.type in RESERVED_TYPES)
                held = full.get(key, holes.get(key))
                if held is None:
                    problems.append(f"{agency} lacks {origin} seq {seq}")
                elif held != row.record_hash:
                    problems.append(f"{agency} holds another {origin} seq {seq}")
                elif released and not row.withdrawn_by and key not in full:
                    problems.append(f"{agency} holds {origin} seq {seq} (released to it) "
                                    "only as a placeholder")
                elif not released and key in full:
                    problems.append(f"{agency} holds {origin} seq {seq} (not released to it) "
                                    "in full")
            beyond = [key for key in (*full, *holes) if key[0] == origin and key[1] not in log]
            problems += [f"{agency} holds {origin} seq {seq}, not in the origin's log"
                         for _, seq in beyond]
    return problems


@dataclass
class LocalPeer:
    """``node``'s feed as the node of ``caller`` is served it, without HTTP."""

    node: Node
    caller: str
    withhold: bool = False  # serve relayed records released to the caller as placeholders

    @property
    def agency(self) -> str:
        return self.node.agency

    def feed(self, origin: str, after: int, limit: int) -> dict[str, Any]:
        return self._served(json.loads(self.node.feed(self.caller, origin, after, limit)[0]))

    def entries(self, origin: str, seqs: Sequence[int]) -> dict[str, Any]:
        return self._served(json.loads(self.node.feed_seqs(self.caller, origin, seqs)[0]))

    def close(self) -> None:
        pass

    def _served(self, page: dict[str, Any]) -> dict[str, Any]:
        if self.withhold and page["origin"] != self.node.agency:
            page["entries"] = [withheld(entry) for entry in page["entries"]]
        return page


def withheld(entry: dict[str, Any]) -> dict[str, Any]:
    """A full entry as a dishonest relay serves it: its stub, the record kept back."""
    if "record" not in entry:
        return entry
    record = entry["record"]
    return record_stub(record, jws.record_hash(jws.canonical(record)))
