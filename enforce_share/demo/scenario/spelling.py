"""Weighted choices, romanisation of Cyrillic in the systems agencies use, and spelling noise."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Generic, TypeVar

import iuliia

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed table of values with integer weights, drawn from a caller's random stream."""

    def __init__(self, pairs: Sequence[tuple[T, int]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random) -> T:
        """One value, with probability proportional to its weight."""
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


#: Romanisation systems seen in each agency's holdings. A name reported by two agencies is
#: usually spelt by two systems: BGN/PCGN and Wikipedia-style (OFAC, UK lists), ICAO 9303
#: (passports and visas), the French MVD 310 variant (Canadian bilingual records), GOST 7.79
#: and the scientific system (library and academic sources), Telegram-style informal text.
SCHEMES: dict[str, Weighted[iuliia.Schema]] = {
    "USA": Weighted([(iuliia.BGN_PCGN_ALT, 4), (iuliia.WIKIPEDIA, 3), (iuliia.ICAO_DOC_9303, 2),
                     (iuliia.MOSMETRO, 1), (iuliia.ALA_LC_ALT, 1)]),
    "GBR": Weighted([(iuliia.BGN_PCGN_ALT, 4), (iuliia.BGN_PCGN, 1), (iuliia.WIKIPEDIA, 2),
                     (iuliia.GOST_7034, 1), (iuliia.ICAO_DOC_9303, 1)]),
    "CAN": Weighted([(iuliia.WIKIPEDIA, 3), (iuliia.MVD_310_FR, 2), (iuliia.ICAO_DOC_9303, 2),
                     (iuliia.BGN_PCGN_ALT, 1)]),
    "AUS": Weighted([(iuliia.ICAO_DOC_9303, 3), (iuliia.WIKIPEDIA, 2), (iuliia.TELEGRAM, 1),
                     (iuliia.YANDEX_MAPS, 1), (iuliia.GOST_52535, 1)]),
    "NZL": Weighted([(iuliia.ICAO_DOC_9303, 2), (iuliia.WIKIPEDIA, 2), (iuliia.GOST_7034, 1),
                     (iuliia.SCIENTIFIC, 1), (iuliia.MVD_310, 1)]),
}
#: The system used where a name only needs to read as English (web domains, street signs).
PLAIN = iuliia.WIKIPEDIA

# Letters NFKD does not take apart, and marks some systems use for soft and hard signs.
_FOLD = str.maketrans({"ı": "i", "đ": "dj", "Đ": "Dj", "ʹ": "'", "’": "'", "ʺ": "", "ё": "e",
                       "Ё": "E", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"})


@lru_cache(maxsize=8192)  # words recur (descriptive words, given names, each entity's name)
def romanise(text: str, scheme: iuliia.Schema) -> str:
    """``text`` (Cyrillic) in Latin letters by ``scheme``; Latin input passes unchanged."""
    words = scheme.translate(text).split(" ")
    # some systems lose the capital of a two-letter mapping (Ксения -> xeniia): put it back
    for index, (source, romanised) in enumerate(zip(text.split(" "), words, strict=False)):
        if source[:1].isupper() and romanised[:1].islower():
            words[index] = romanised[:1].upper() + romanised[1:]
    return " ".join(words)


def fold_ascii(text: str) -> str:
    """``text`` without diacritics (Öztaşkın -> Oztaskin, Vorobʹev -> Vorob'ev)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def is_cyrillic(text: str) -> bool:
    """Whether ``text`` holds any Cyrillic letter."""
    return any("\u0400" <= char <= "\u04ff" for char in text)


def case_noise(text: str, rng: random.Random, upper: float = 0.4) -> str:
    """``text`` upper-cased (as many sanctions lists print names) with probability ``upper``."""
    return text.upper() if rng.random() < upper else text


def typo(value: str, rng: random.Random) -> str:
    """``value`` with one digit changed (a keying error); unchanged if it has no digit."""
    digits = [index for index, char in enumerate(value) if char.isdigit()]
    if not digits:
        return value
    index = rng.choice(digits)
    replacement = str((int(value[index]) + rng.randint(1, 9)) % 10)
    return value[:index] + replacement + value[index + 1:]
