"""Loading a generated scenario into a node: sign and store the drafts of its own agency."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from ...db import Storage, batches
from ...errors import InvalidInput
from ...records.drafts import Draft
from ...records.models import Record

BATCH = 500


class Writer(Storage, Protocol):
    """A node that signs and stores its own records."""

    def add_records(self, drafts: Sequence[Draft]) -> list[Record]:
        """Sign and store ``drafts`` in this node's log."""
        ...


@dataclass(frozen=True)
class Loaded:
    """What a load did."""

    stored: int
    already_held: int
    other_origins: int


def load_own_drafts(node: Writer, path: Path, progress: Callable[[int], None] | None = None
                    ) -> Loaded:
    """Store the drafts of ``node``'s agency; skip those already stored (a rerun resumes)."""
    stored = held = skipped = 0
    for batch in batches(_drafts(path, node.agency), BATCH):
        own = [draft for draft in batch if draft is not None]
        skipped += len(batch) - len(own)
        with node.reading() as session:
            done = set(session.scalars(select(Record.id).where(
                Record.id.in_([draft.id for draft in own]))))
        fresh = [draft for draft in own if draft.id not in done]
        if fresh:
            node.add_records(fresh)
        stored, held = stored + len(fresh), held + len(own) - len(fresh)
        if progress:
            progress(len(batch))
    return Loaded(stored, held, skipped)


def _drafts(path: Path, agency: str) -> Iterator[Draft | None]:
    """The scenario's drafts of ``agency`` (None for another origin's, to count them)."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
                if item["origin"] != agency:
                    yield None
                    continue
                yield Draft(type=item["type"], marking=item["marking"], body=item["body"],
                            supersedes=item.get("supersedes"), id=item["id"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InvalidInput(f"{path}:{number}: not a scenario draft ({exc})") from exc
