"""Generating a scenario: a stream of drafts from a seed, or a JSON Lines file with a summary."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .events import EVENTS, violation
from .state import Scenario

#: Drafts written between two calls of the progress callback.
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Summary:
    """What a written scenario holds: drafts per type and per origin, entities reported."""

    records: int
    entities: int
    by_type: dict[str, int]
    by_origin: dict[str, int]

    def __str__(self) -> str:
        types = ", ".join(f"{count} {kind}" for kind, count in self.by_type.items())
        origins = ", ".join(f"{origin} {count}" for origin, count in self.by_origin.items())
        return f"{types}; by origin {origins}; {self.entities} entities"


def generate_scenario(records: int, seed: int) -> Iterator[dict]:
    """Exactly ``records`` drafts (actor drafts carry ``truth``); the same seed, the same drafts."""
    return _drafts(Scenario(records, seed))


def _drafts(scenario: Scenario) -> Iterator[dict]:
    return itertools.islice(_stream(scenario), scenario.records)


def _stream(scenario: Scenario) -> Iterator[dict]:
    while True:
        event = EVENTS.pick(scenario.rng) if scenario.networks else violation
        yield from event(scenario)


def write_scenario(
    path: str | Path, records: int, seed: int, progress: Callable[[int], None] | None = None
) -> Summary:
    """Write the scenario as JSON Lines, one draft a line; ``progress`` gets drafts written."""
    scenario = Scenario(records, seed)
    by_type: Counter[str] = Counter()
    by_origin: Counter[str] = Counter()
    pending = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for draft in _drafts(scenario):
            out.write(json.dumps(draft, ensure_ascii=False, sort_keys=True) + "\n")
            by_type[draft["type"]] += 1
            by_origin[draft["origin"]] += 1
            pending += 1
            if progress is not None and pending == PROGRESS_EVERY:
                progress(pending)
                pending = 0
    if progress is not None and pending:
        progress(pending)
    return Summary(records, scenario.entities, dict(sorted(by_type.items())),
                  dict(sorted(by_origin.items())))
