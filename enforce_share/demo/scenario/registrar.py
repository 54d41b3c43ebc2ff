"""What registries have issued: a company name or a registry number is given out once.

Coined names come from a finite stock of syllables, so at scale two unrelated companies of one
country would draw the same name, and random numbers the same registration number; a real
registry refuses both (near-namesakes are made on purpose, by ``namesake_of``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
ATTEMPTS = 50  # a full stock of names gives up and takes the last draw


@dataclass
class Registrar:
    """Names taken per country and numbers issued per scheme, for one scenario."""

    names: set[tuple[str, str]] = field(default_factory=set)
    numbers: set[tuple[str, str]] = field(default_factory=set)

    def unique(self, draw: Callable[[random.Random], T], key: Callable[[T], set[tuple[str, str]]],
               taken: set[tuple[str, str]], rng: random.Random) -> T:
        """``draw(rng)`` again until none of its keys is taken, then take them."""
        for _ in range(ATTEMPTS):
            drawn = draw(rng)
            keys = key(drawn)
            if not keys & taken:
                break
        taken |= keys
        return drawn
