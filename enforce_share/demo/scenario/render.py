"""How one agency's report spells a name: romanisation, company-form words, order, case, quotes."""

from __future__ import annotations

import random
from dataclasses import dataclass

import iuliia

from .names import CompanyName, PersonName
from .spelling import SCHEMES, Weighted, case_noise, fold_ascii, romanise

#: Where a company-form word goes: before ("OOO Velariks") or after ("Velariks LLC") the name.
PRE, POST = "pre", "post"


@dataclass(frozen=True)
class Form:
    """A legal form: its Cyrillic abbreviation (if any) and the Latin spellings reports use."""

    cyrillic: str | None
    latin: Weighted[tuple[str, str]]


def _form(cyrillic: str | None, *variants: tuple[str, str, int]) -> Form:
    return Form(cyrillic, Weighted([((text, place), weight) for text, place, weight in variants]))


FORMS: dict[str, Form] = {
    "ooo": _form("ООО", ("OOO", PRE, 3), ("LLC", POST, 3), ("Limited Liability Company", PRE, 1),
                 ("Limited Liability Company", POST, 1), ("OOO", POST, 1), ("Ltd", POST, 1)),
    "ao": _form("АО", ("AO", PRE, 2), ("JSC", POST, 3), ("Joint Stock Company", PRE, 1),
                ("Joint-Stock Company", POST, 1), ("AO", POST, 1)),
    "chup": _form("ЧУП", ("ChUP", PRE, 2), ("Private Unitary Enterprise", PRE, 1),
                  ("PUE", POST, 1), ("ChTUP", PRE, 1)),
    "too": _form("ТОО", ("TOO", PRE, 3), ("LLP", POST, 3),
                 ("Limited Liability Partnership", POST, 1), ("TOO", POST, 1)),
    "osoo": _form("ОсОО", ("OsOO", PRE, 3), ("LLC", POST, 3), ("OSOO", PRE, 1),
                  ("Limited Liability Company", POST, 1)),
    "mchj": _form("ООО", ("MChJ", POST, 2), ("OOO", PRE, 2), ("LLC", POST, 3),
                  ("MCHJ", POST, 1)),
    "am_llc": _form("ООО", ("LLC", POST, 4), ("OOO", PRE, 2), ("SPY", POST, 1),
                    ("Limited Liability Company", POST, 1), ("Ltd", POST, 1)),
    "ge_llc": _form("ООО", ("LLC", POST, 4), ("Ltd", POST, 2), ("Shps", PRE, 1)),
    "nii": _form("НИИ", ("NII", PRE, 3), ("Scientific Research Institute", PRE, 2),
                 ("Research Institute", POST, 1)),
    "vessel": _form(None, ("", POST, 5), ("MV", PRE, 2), ("M/V", PRE, 1)),
    "fze": _form(None, ("FZE", POST, 4), ("F.Z.E.", POST, 1), ("Free Zone Establishment", POST, 1),
                 ("FZE LLC", POST, 1)),
    "fzco": _form(None, ("FZCO", POST, 4), ("F.Z.C.O.", POST, 1), ("FZ-CO", POST, 1),
                  ("Free Zone Company", POST, 1)),
    "ae_llc": _form(None, ("General Trading LLC", POST, 3), ("General Trading L.L.C", POST, 2),
                    ("Gen. Trading LLC", POST, 1), ("LLC", POST, 1)),
    "co_ltd": _form(None, ("Co., Ltd.", POST, 3), ("Co., Limited", POST, 2), ("Co Ltd", POST, 2),
                    ("Company Limited", POST, 2), ("Limited", POST, 1)),
    "hk_ltd": _form(None, ("Limited", POST, 3), ("Co., Limited", POST, 3), ("Ltd", POST, 2),
                    ("(HK) Limited", POST, 1), ("Company Limited", POST, 1)),
    "ltd_sti": _form(None, ("Ltd. Şti.", POST, 3), ("Limited Şirketi", POST, 2),
                     ("Ltd. Sti.", POST, 2), ("Limited Sirketi", POST, 1), ("Co. Ltd.", POST, 1)),
    "pvt_ltd": _form(None, ("Private Limited", POST, 3), ("Pvt. Ltd.", POST, 3),
                     ("Pvt Ltd", POST, 2), ("(P) Ltd", POST, 1)),
    "doo": _form(None, ("d.o.o.", POST, 3), ("DOO", POST, 2), ("D.O.O.", POST, 1),
                 ("LLC", POST, 1)),
    "inc": _form(None, ("Inc.", POST, 3), ("Inc", POST, 2), ("Incorporated", POST, 1),
                 ("Corp.", POST, 1)),
    "us_llc": _form(None, ("LLC", POST, 3), ("L.L.C.", POST, 1)),
    "ltd": _form(None, ("Ltd", POST, 3), ("Limited", POST, 3), ("Ltd.", POST, 1)),
    "pty_ltd": _form(None, ("Pty Ltd", POST, 3), ("Pty. Ltd.", POST, 1),
                     ("Proprietary Limited", POST, 1)),
    "gmbh": _form(None, ("GmbH", POST, 4), ("Gesellschaft mbH", POST, 1)),
    "bv": _form(None, ("B.V.", POST, 3), ("BV", POST, 2)),
    "oy": _form(None, ("Oy", POST, 3), ("Ltd", POST, 1)),
    "spzoo": _form(None, ("Sp. z o.o.", POST, 3), ("Sp. z.o.o.", POST, 1), ("Sp z oo", POST, 1)),
    "pte_ltd": _form(None, ("Pte. Ltd.", POST, 3), ("Pte Ltd", POST, 2),
                     ("Private Limited", POST, 1)),
}


def company_names(name: CompanyName, agency: str, rng: random.Random) -> tuple[str, list[dict]]:
    """The name one agency's report gives a company (or vessel), and the aliases it lists."""
    scheme = SCHEMES[agency]
    latin = _latin(name, scheme.pick(rng), rng)
    aliases: list[tuple[str, str]] = []
    if name.cyrillic and rng.random() < 0.12:
        primary = _cyrillic(name, rng)
        aliases.append((latin, "Latn"))
    else:
        primary = latin
        if name.cyrillic and rng.random() < 0.45:
            aliases.append((_cyrillic(name, rng), "Cyrl"))
    if rng.random() < 0.3:  # a second spelling found in shipping papers
        aliases.append((_latin(name, scheme.pick(rng), rng), "Latn"))
    if name.native and rng.random() < 0.5:
        aliases.append((name.native[1], name.native[0]))
    return primary, _unique(primary, aliases)


def _latin(name: CompanyName, scheme: iuliia.Schema, rng: random.Random) -> str:
    english, fold, spaced = rng.random() < 0.15, rng.random() < 0.5, rng.random() < 0.4
    parts = []
    for word in name.words:
        if word.optional and rng.random() < 0.35:
            continue
        if name.native and word.english:  # pinyin: Xinruiheng or Xin Rui Heng
            text = word.english if spaced else word.text
        elif english and word.english:
            text = word.english
        elif name.cyrillic:
            text = romanise(word.text, scheme)
        else:
            text = word.text
        parts.append(fold_ascii(text) if fold else text)
    joiner = name.joiner
    if name.cyrillic and rng.random() < 0.25:
        joiner = rng.choice((" ", "-", ""))
    if len(parts) > 1 and rng.random() < 0.04:  # word order swapped in a document
        parts[0], parts[1] = parts[1], parts[0]
    core = parts[0] + "".join(joiner + (part.lower() if not joiner else part)
                              for part in parts[1:])
    form, place = FORMS[name.form].latin.pick(rng)
    if not form:
        full = core
    elif place == PRE:
        full = f'{form} "{core}"' if rng.random() < 0.3 else f"{form} {core}"
    else:
        full = f"{core}{', ' if rng.random() < 0.2 else ' '}{form}"
    if rng.random() < 0.08:
        full = full.replace(".", "").replace(",", "")
    return case_noise(full, rng)


def _cyrillic(name: CompanyName, rng: random.Random) -> str:
    core = name.joiner.join(word.text for word in name.words)
    core = core.upper() if rng.random() < 0.6 else core
    form = FORMS[name.form].cyrillic
    if not form:
        return core
    quoted = f"«{core}»" if rng.random() < 0.7 else f'"{core}"'
    return f"{form} {quoted}"


def person_names(person: PersonName, agency: str, rng: random.Random) -> tuple[str, list[dict]]:
    """The name one agency's report gives a person, and the aliases it lists."""
    aliases: list[tuple[str, str]] = []
    if person.script == "Cyrl":
        latin = _russian(person, agency, rng)
        original = f"{person.family} {person.given} {person.patronymic}"
        if rng.random() < 0.1:
            primary = original
            aliases.append((latin, "Latn"))
        else:
            primary = latin
            if rng.random() < 0.45:
                aliases.append((original, "Cyrl"))
        if rng.random() < 0.3:
            aliases.append((_russian(person, agency, rng), "Latn"))
        return primary, _unique(primary, aliases)
    if person.script == "Hans":
        syllables = person.given.split(" ")
        given = rng.choice(("".join(syllables).capitalize(), " ".join(syllables),
                            "-".join(syllables), f"{syllables[0]}-{syllables[1].lower()}"))
        family = person.family.upper() if rng.random() < 0.4 else person.family
        primary = f"{family} {given}" if rng.random() < 0.6 else f"{given} {family}"
        if person.native and rng.random() < 0.5:
            aliases.append((person.native, "Hans"))
        return primary, _unique(primary, aliases)
    given, family = person.given, person.family
    if rng.random() < 0.5:
        given, family = fold_ascii(given), fold_ascii(family)
    shape = rng.random()
    primary = (f"{given} {family}" if shape < 0.6 else
               f"{family.upper()}, {given}" if shape < 0.85 else f"{family} {given}")
    return primary, []


def _russian(person: PersonName, agency: str, rng: random.Random) -> str:
    scheme = SCHEMES[agency].pick(rng)
    given, family = romanise(person.given, scheme), romanise(person.family, scheme)
    patronymic = romanise(person.patronymic or "", scheme)
    shape = rng.random()
    if shape < 0.3:
        text = f"{given} {patronymic} {family}"
    elif shape < 0.5:
        text = f"{family.upper()}, {given} {patronymic}"
    elif shape < 0.65:
        text = f"{family} {given} {patronymic}"
    elif shape < 0.85:
        text = f"{given} {family}"
    elif shape < 0.93:
        text = f"{given[0]}. {patronymic[0]}. {family}"
    else:
        text = f"{family} {given[0]}.{patronymic[0]}."
    return case_noise(text, rng, 0.25)


def _unique(primary: str, aliases: list[tuple[str, str]]) -> list[dict]:
    seen = {primary}
    unique = []
    for text, script in aliases:
        if text not in seen:
            seen.add(text)
            unique.append({"name": text, "script": script})
    return unique
