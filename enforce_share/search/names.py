"""Names as search keys: one Latin spelling, org types dropped, a skeleton per word.

The same front company is reported as "ТЕХНО ТРЕЙД", "OOO Tekhno-Treyd" and "Techno Trade
LLC". Cyrillic is romanised one way (Wikipedia's scheme, via iuliia), other scripts by ICU
(normality); legal forms in any language (OOO, LLC, Ltd. Şti.) are dropped (rigour). The
skeleton of a word then folds what romanisation schemes and translators disagree on: vowels
and the letters y, j, h (kh/ch/h, ey/ei/ej), c/k/q, w/v, doubled letters. Skeletons find the
candidates; rapidfuzz ranks them on both the Latin spelling and the skeletons.
"""

from __future__ import annotations

import re
from functools import lru_cache

import iuliia
from normality import ascii_text
from rapidfuzz import fuzz
from rigour.names.org_types import remove_org_types

#: Legal forms rigour knows in Cyrillic only (ТОО: Kazakh LLP), as romanised.
_ROMANISED_FORMS = frozenset({"too"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"[a-z0-9]+")
_SOFT = str.maketrans({"q": "k", "w": "v"})
_VOWELS = re.compile(r"[aeiouyj]+")
_FOLDS = (
    ("ph", "f"), ("ck", "k"), ("x", "ks"), ("ts", "s"), ("tz", "s"), ("h", ""),
)


@lru_cache(maxsize=16384)  # whole names: about 250 bytes an entry
def latin(name: str) -> str:
    """``name`` in lower-case ASCII Latin, legal forms removed, words single-spaced."""
    name = remove_org_types(name.lower(), replacement=" ")  # in its own script (ТОО, ООО)
    if _CYRILLIC.search(name):
        name = iuliia.WIKIPEDIA.translate(name)
    text = remove_org_types((ascii_text(name) or "").lower(), replacement=" ")
    return " ".join(word for word in _WORD.findall(text) if word not in _ROMANISED_FORMS)


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The spelling-insensitive key of one Latin word ("tekhno", "techno" -> "tkn")."""
    if word.isdigit():
        return word
    for old, new in _FOLDS:
        word = word.replace(old, new)
    word = re.sub(r"c(?=[eiy])", "s", word).replace("c", "k").translate(_SOFT)
    lead = "a" if word[:1] in "aeiouyj" else ""
    word = lead + _VOWELS.sub("", word)
    return re.sub(r"(.)\1+", r"\1", word)


def skeletons(name: str) -> list[str]:
    """Skeletons of the words of ``name`` (empty ones dropped), in order."""
    return [key for key in (skeleton(word) for word in latin(name).split()) if key]


def _joined(name: str) -> str:
    return skeleton(latin(name).replace(" ", ""))


def name_terms(name: str) -> set[str]:
    """Index terms of one name: a term per word skeleton, one for all words run together."""
    keys = skeletons(name)
    if not keys:
        return set()
    return {f"n:{key}" for key in keys} | {f"nn:{_joined(name)}"}


def query_terms(name: str) -> tuple[list[str], str | None]:
    """Terms a name query needs: every word's term (all must match), or the run-together one."""
    keys = skeletons(name)
    return [f"n:{key}" for key in dict.fromkeys(keys)], (f"nn:{_joined(name)}" if keys else None)


def similarity(query: str, candidate: str) -> float:
    """How alike two names are, 0 to 1: the better of spelling and skeleton likeness."""
    spelled = fuzz.token_set_ratio(latin(query), latin(candidate))
    folded = fuzz.token_set_ratio(" ".join(skeletons(query)), " ".join(skeletons(candidate)))
    return round(max(spelled, 0.95 * folded) / 100, 4)
