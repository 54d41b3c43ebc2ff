"""Synthetic people and ship names: Russian, Chinese and Turkish names, Russian-style vessels."""

from __future__ import annotations

import random

from .names import HANZI, CompanyName, PersonName, Word, cyrillic_word, latin_word, pinyin_word

# Russian given names with the patronymics formed from them (male, female).
_RU_MEN = (("Алексей", "Алексеевич", "Алексеевна"), ("Сергей", "Сергеевич", "Сергеевна"),
           ("Андрей", "Андреевич", "Андреевна"), ("Дмитрий", "Дмитриевич", "Дмитриевна"),
           ("Игорь", "Игоревич", "Игоревна"), ("Михаил", "Михайлович", "Михайловна"),
           ("Николай", "Николаевич", "Николаевна"), ("Павел", "Павлович", "Павловна"),
           ("Олег", "Олегович", "Олеговна"), ("Юрий", "Юрьевич", "Юрьевна"),
           ("Евгений", "Евгеньевич", "Евгеньевна"), ("Виктор", "Викторович", "Викторовна"),
           ("Вадим", "Вадимович", "Вадимовна"), ("Илья", "Ильич", "Ильинична"),
           ("Григорий", "Григорьевич", "Григорьевна"), ("Константин", "Константинович",
                                                         "Константиновна"))
_RU_WOMEN = ("Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Анна", "Юлия", "Светлана",
             "Марина", "Ксения")
_ZH_FAMILIES = (("Chen", "陈"), ("Li", "李"), ("Wang", "王"), ("Zhang", "张"), ("Liu", "刘"),
                ("Yang", "杨"), ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"))
_TR_GIVEN = ("Mehmet", "Ahmet", "Mustafa", "Emre", "Burak", "Ayşe", "Elif", "Zeynep", "Özgür",
             "Çağlar", "Gökhan", "Serkan")


def russian_person(rng: random.Random) -> PersonName:
    """A Russian name with patronymic and a coined family name (Веларов Сергей Алексеевич)."""
    female = rng.random() < 0.25
    father = rng.choice(_RU_MEN)
    if female:
        given, patronymic = rng.choice(_RU_WOMEN), father[2]
    else:
        given, patronymic = rng.choice(_RU_MEN)[0], father[1]
    return PersonName(given, _russian_family(rng, female), patronymic, script="Cyrl")


def _russian_family(rng: random.Random, female: bool = False) -> str:
    root = cyrillic_word(rng, 2)
    if root[-1] not in "нрлмтк":
        root += rng.choice("нрлвтк")
    endings = ("ова", "ева", "ина", "ская") if female else ("ов", "ев", "ин", "ский")
    return root + rng.choice(endings)


def chinese_person(rng: random.Random) -> PersonName:
    """A Chinese name: a common family name and a two-syllable given name, with Han original."""
    family, character = rng.choice(_ZH_FAMILIES)
    given = pinyin_word(rng, 2)
    native = character + "".join(HANZI[s] for s in given)
    return PersonName(" ".join(given), family, script="Hans", native=native)


def turkish_person(rng: random.Random) -> PersonName:
    """A Turkish given name and a coined family name (Çağlar Öztaşkan)."""
    family = latin_word(rng, "tr") + ("oğlu" if rng.random() < 0.2 else "")
    return PersonName(rng.choice(_TR_GIVEN), family)


def vessel_name(rng: random.Random) -> CompanyName:
    """A Russian-style ship name (Капитан Веларов, Веларикс-3), romanised per report."""
    if rng.random() < 0.5:
        words = (Word("Капитан", "Captain"), Word(_russian_family(rng)))
        return CompanyName(words, "vessel", " ", cyrillic=True)
    words = (Word(cyrillic_word(rng)), Word(str(rng.randint(1, 9))))
    return CompanyName(words, "vessel", "-", cyrillic=True)
