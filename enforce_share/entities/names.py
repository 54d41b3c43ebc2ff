"""Name words for resolution, and a spelling key that tells namesakes from spellings.

Search folds every vowel away (``search.names.skeleton``): it must find "Tekhno" from
"Techno". Resolution must also keep apart "Marrix" and "Merrix", two companies in one city,
while joining "Pizyurskiy", "Piziurskii" and "Piziourskii", one ship's name romanised three
ways. The spelling key therefore folds only what romanisation systems disagree on (the
glides y/j/i before a vowel and at a word's ends, kh/h/x, zh/z, ts/c, tch/ch, shch/sch/shh,
French ou, the soft sign, doubled letters) and keeps every other vowel.

Legal forms go first: rigour removes those it lists, in their own punctuation ("d.o.o.",
"Sp. z o.o."); ``FORMS`` holds the company-form words rigour leaves as too generic for
screening but which never tell two companies apart ("Co.", "Pvt", romanised ОсОО, ՍՊԸ).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.names import remove_obj_prefixes, remove_org_types

from ..search.names import latin, skeleton

#: Company-form words left by rigour, as ``latin`` spells them (dotted acronyms joined).
FORMS = frozenset({
    "co", "company", "corp", "corporation", "pvt", "private", "p", "hk", "spy", "osoo", "doo",
    "chup", "chtup", "pue", "shps", "fze", "fzco", "fzc", "fz", "sp", "zoo", "mv",
})
_RULES = (
    ("'", ""), ("shch", "sh"), ("shh", "sh"), ("sch", "sh"), ("tch", "ch"), ("kh", "h"),
    ("x", "h"), ("zh", "z"), ("ts", "c"), ("tz", "c"), ("ou", "u"), ("j", "y"),
)
_GLIDES = (
    (re.compile(r"[iy]+(?=[aeou])"), "y"),  # я ya/ia/ja, ю yu/iu/ju, ие ie/iye: one glide
    (re.compile(r"^y(?=e)"), ""),  # е at the start: Yevro / Evro
    (re.compile(r"yi"), "i"),  # ьи: Ilyich / Ilich
    (re.compile(r"[iy]+$"), "i"),  # ий, ый at the end: -iy, -ii, -ij, -y
)
_SOFT_SIGN = re.compile(r"['\u2019\u02b9\u02bc`]")
HAN = re.compile(r"[\u4e00-\u9fff]")
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def name_words(name: str, kind: str) -> tuple[str, ...]:
    """The words of ``name`` that identify: Latin letters, legal forms and ship prefixes gone."""
    name = _SOFT_SIGN.sub("", name)  # Il'ya, Vorobʹev: one word
    if kind == "person":
        return tuple(latin(name).split())
    name = remove_obj_prefixes(remove_org_types(_spaced_form(name.lower()), replacement=" "))
    if HAN.search(name):  # no word boundaries: one syllable per "word" would say little
        return tuple(word for word in ("".join(latin(name).split()),) if word)
    words = _join_letters(latin(name).split())
    kept = tuple(word for word in words if word not in FORMS)
    return kept or tuple(words)


def _spaced_form(name: str) -> str:
    """A name written without spaces (Han) with its legal-form ending split off for rigour.

    "香港捷信贸易有限公司" -> "香港捷信贸易 有限公司" (rigour matches forms as whole words).
    """
    if " " in name or not HAN.search(name):
        return name
    for cut in range(max(1, len(name) - 8), len(name) - 1):
        head, tail = name[:cut], name[cut:]
        if not remove_org_types(tail).strip():
            return f"{head} {tail}"
    return name


def _join_letters(words: list[str]) -> list[str]:
    """Runs of one-letter words joined: "f z e" (from F.Z.E.) -> "fze", "m v" -> "mv"."""
    joined: list[str] = []
    run = ""
    for word in [*words, ""]:
        if len(word) == 1:
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        if word:
            joined.append(word)
    return joined


@lru_cache(maxsize=65536)
def spelling(word: str) -> str:
    """The key under which romanisations of one word agree and namesakes do not."""
    if word.isdigit():
        return word
    for old, new in _RULES:
        word = word.replace(old, new)
    for pattern, replacement in _GLIDES:
        word = pattern.sub(replacement, word)
    return _DOUBLE.sub(r"\1", word)


def word_keys(words: str) -> tuple[tuple[str, str], ...]:
    """Each word of ``words`` (from ``name_words``) as (spelling key, skeleton)."""
    return tuple((spelling(word), skeleton(word)) for word in words.split() if skeleton(word))
