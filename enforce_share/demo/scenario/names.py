"""Synthetic names: coined words from syllables, company names in parts, near-namesakes.

Every company, person and vessel name is built on a word coined from syllables here, so none
is a real one (descriptive words such as "Trade" or "Logistics" join a coined word, never each
other). Cyrillic names are kept in Cyrillic and romanised per report, as agencies do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .spelling import Weighted

_ONSETS = Weighted([("в", 4), ("л", 4), ("р", 3), ("к", 4), ("т", 4), ("м", 4), ("н", 3),
                    ("с", 3), ("д", 3), ("б", 2), ("г", 2), ("з", 2), ("п", 3), ("ж", 1),
                    ("х", 2), ("ц", 1), ("ч", 1), ("ш", 1), ("щ", 1), ("ф", 1), ("пр", 1),
                    ("тр", 1), ("кр", 1), ("ст", 1), ("гр", 1)])
_VOWELS = Weighted([("а", 6), ("о", 5), ("е", 4), ("и", 4), ("у", 2), ("я", 1), ("ю", 1),
                    ("ы", 1)])
_CODAS = Weighted([("н", 4), ("р", 3), ("л", 3), ("кс", 2), ("м", 2), ("т", 2), ("с", 2),
                   ("к", 2), ("й", 1), ("ль", 1), ("нт", 1), ("рт", 1)])
_PLAIN_VOWELS = ("а", "о", "е", "и", "у")

#: Descriptive words of Russian-style company names, with the English they translate to
#: (None: an agency keeps the romanised word, as with Komplekt).
MORPHEMES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "trade": (("Трейд", "Trade"), ("Тех", "Tech"), ("Комплект", None), ("Прибор", None),
              ("Снаб", None), ("Сервис", "Service"), ("Импорт", "Import"), ("Систем", "System"),
              ("Электроникс", "Electronics"), ("Компонент", "Component"), ("Групп", "Group"),
              ("Инжиниринг", "Engineering"), ("Маркет", "Market"), ("Лайн", "Line")),
    "freight": (("Логистик", "Logistic"), ("Транс", "Trans"), ("Карго", "Cargo"),
                ("Экспресс", "Express"), ("Шиппинг", "Shipping"), ("Фрахт", None)),
    "finance": (("Инвест", "Invest"), ("Финанс", "Finance"), ("Капитал", "Capital"),
                ("Холдинг", "Holding")),
}
PREFIXES = (("Техно", "Techno"), ("Электро", "Electro"), ("Радио", "Radio"), ("Микро", "Micro"),
            ("Спец", "Spets"), ("Интер", "Inter"), ("Евро", "Euro"), ("Азия", "Asia"))

#: Syllables of coined Latin-script words (start, end), by the language they should sound like.
_LATIN_SYLLABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("Al", "Bren", "Cal", "Dex", "Ell", "Fen", "Gar", "Hal", "Ken", "Lor", "Mar", "Nor",
            "Pel", "Quen", "Ros", "Sel", "Tor", "Val", "Wes", "Yar"),
           ("ton", "vex", "mere", "tec", "rix", "lon", "dar", "worth", "holm", "by", "crest",
            "brook", "stead", "wick")),
    "tr": (("Ay", "Öz", "Ak", "Kar", "Er", "Gök", "Şen", "Taş", "Yıl", "Dem", "Çe", "Kı", "Bal",
            "Ün", "Ilg", "Sev"),
           ("han", "kan", "taş", "doğan", "soy", "er", "ay", "ören", "çelik", "gür", "ışık")),
    "in": (("Shri", "Ana", "Vira", "Deva", "Kri", "Pra", "Sura", "Ravi", "Nila", "Mahi", "Tej"),
           ("tron", "nix", "vish", "kar", "shan", "tek", "dhan", "jyot")),
    "th": (("Siam", "Chai", "Thana", "Pong", "Kit", "Wat", "Sak", "Rat", "Sri", "Nop"),
           ("porn", "chai", "kul", "wong", "sin", "pat", "thai", "rung")),
    "sr": (("Vel", "Dra", "Mil", "Bor", "Rad", "Zor", "Slav", "Đor", "Ćir", "Vuk", "Ned"),
           ("ić", "ex", "kom", "teh", "prom", "čel", "žar", "ko")),
}
#: Pinyin syllables with the character each stands for here.
HANZI: dict[str, str] = {
    "Xin": "鑫", "Hua": "华", "Tai": "泰", "Long": "隆", "Sheng": "盛", "Feng": "丰", "Kai": "凯",
    "Jia": "佳", "Rui": "瑞", "Heng": "恒", "Da": "达", "Yuan": "源", "Hong": "宏", "Wei": "伟",
    "Chuang": "创", "Bo": "博", "Hai": "海", "Ke": "科", "Tong": "通", "Ming": "明", "Jun": "俊",
    "Hao": "浩", "Yu": "宇", "Lin": "林", "Qiang": "强", "Jie": "杰", "Fang": "芳", "Ying": "英",
}
_PINYIN = tuple(HANZI)
#: Linking sounds between start and end, so that coined words rarely repeat.
_MIDDLES: dict[str, tuple[str, ...]] = {
    "en": ("", "", "", "a", "e", "i", "o", "an", "er", "en", "ar", "il", "or", "el", "ad"),
    "tr": ("", "", "", "a", "e", "ı", "i", "u", "ar", "er", "an", "en", "al", "el"),
    "in": ("", "", "", "a", "i", "ra", "ni", "va", "ka", "sh", "ma"),
    "th": ("", "", "", "a", "i", "ra", "na", "wa", "ya"),
    "sr": ("", "", "", "a", "o", "e", "i", "an", "ov", "in"),
}


def cyrillic_word(rng: random.Random, syllables: int | None = None) -> str:
    """A coined Russian-sounding word (Веларикс), capitalised."""
    count = syllables or rng.choice((2, 2, 3))
    parts = []
    for _ in range(count):
        onset, vowel = _ONSETS.pick(rng), _VOWELS.pick(rng)
        if onset[-1] in "жшчщцкгх" and vowel in "яюы":  # spelling rules: жи, ки, not жы, кы
            vowel = rng.choice(_PLAIN_VOWELS)
        parts.append(onset + vowel)
    return ("".join(parts) + _CODAS.pick(rng)).capitalize()


def latin_word(rng: random.Random, language: str) -> str:
    """A coined Latin-script word that sounds like ``language`` (en, tr, in, th, sr)."""
    starts, ends = _LATIN_SYLLABLES[language]
    return rng.choice(starts) + rng.choice(_MIDDLES[language]) + rng.choice(ends)


def pinyin_word(rng: random.Random, syllables: int = 2) -> list[str]:
    """Two or three distinct pinyin syllables (Xin, Rui, Heng)."""
    return rng.sample(_PINYIN, syllables)


def mutate(word: str, rng: random.Random) -> str:
    """``word`` changed by one sound: a near-namesake (Веларикс -> Веларис, Norvex -> Norvax)."""
    cyrillic = "\u0400" <= word[0] <= "\u04ff"
    vowels, consonants = ("аоеиу", "нрлмткс") if cyrillic else ("aeiou", "nrlmtks")
    positions = [i for i in range(1, len(word)) if word[i] in vowels]
    candidate = word
    while candidate == word:
        if positions and rng.random() < 0.6:
            index = rng.choice(positions)
            candidate = word[:index] + rng.choice(vowels) + word[index + 1:]
        elif word[-1] in consonants:
            candidate = word[:-1] + rng.choice(consonants)
        else:
            candidate = word + rng.choice(consonants)
    return candidate


@dataclass(frozen=True)
class Word:
    """One word of a name as written in its own script, and its English rendering if any."""

    text: str
    english: str | None = None
    optional: bool = False  # reports may leave it out ("Electronics" in "Norvex Electronics FZE")


@dataclass(frozen=True)
class CompanyName:
    """A company's registered name in parts, from which each report spells its own version."""

    words: tuple[Word, ...]
    form: str  # key of render.FORMS: ooo, llc, fze, co_ltd, ...
    joiner: str = " "  # between core words as registered: " ", "-" or ""
    cyrillic: bool = False  # words are Cyrillic and are romanised per report
    native: tuple[str, str] | None = None  # (ISO 15924 script, full name), e.g. Hans


@dataclass(frozen=True)
class PersonName:
    """A person's name: given name, patronymic (Russian names), family name, in one script."""

    given: str
    family: str
    patronymic: str | None = None
    script: str = "Latn"  # Cyrl: romanised per report; Hans: given is pinyin syllables
    native: str | None = None  # the name in Han characters


def cyrillic_company(rng: random.Random, form: str, trade: str = "trade") -> CompanyName:
    """A Russian-style company name: coined word with a descriptive word (Веларикс Трейд)."""
    coined = Word(cyrillic_word(rng))
    shape = rng.random()
    if shape < 0.5:
        words, joiner = (coined, Word(*rng.choice(MORPHEMES[trade]))), " "
    elif shape < 0.65:
        words, joiner = (coined, Word(*rng.choice(MORPHEMES[trade]))), "-"
    elif shape < 0.8:
        words, joiner = (Word(*rng.choice(PREFIXES)), coined), "-"
    elif shape < 0.9:
        short = Word(cyrillic_word(rng, 1))
        words, joiner = (short, Word(*rng.choice(MORPHEMES[trade]))), ""
    else:
        words, joiner = (coined,), " "
    return CompanyName(words, form, joiner, cyrillic=True)


def latin_company(
    rng: random.Random, form: str, language: str, industry: tuple[tuple[str, str | None], ...]
) -> CompanyName:
    """A Latin-script company name: coined word, optional industry word (Norvex Electronics)."""
    coined = Word(latin_word(rng, language))
    text, english = rng.choice(industry)
    return CompanyName((coined, Word(text, english, optional=True)), form)


def chinese_company(
    rng: random.Random, form: str, place: tuple[str, str] | None, industry: tuple[str, str]
) -> CompanyName:
    """A Chinese company name (city, pinyin word, industry) with its Han-character original."""
    return _chinese(pinyin_word(rng, rng.choice((2, 2, 3))), form, place, industry)


def _chinese(
    syllables: list[str], form: str, place: tuple[str, str] | None, industry: tuple[str, str]
) -> CompanyName:
    core = Word("".join(syllables).capitalize(), " ".join(syllables))
    words = (core, Word(industry[0]))
    native = "".join(HANZI[s] for s in syllables) + industry[1] + "有限公司"
    if place:
        words = (Word(place[0], optional=True), *words)
        native = place[1] + native
    return CompanyName(words, form, native=("Hans", native))


def near_namesake(name: CompanyName, rng: random.Random) -> CompanyName:
    """A different company whose name differs by one word or one sound (hard negative)."""
    words = list(name.words)
    core = next(i for i, w in enumerate(words) if not w.optional and not _is_morpheme(w))
    if name.native:  # Chinese: one syllable, and so one character, differs
        syllables = words[core].english.split(" ")
        index = rng.randrange(len(syllables))
        syllables[index] = rng.choice([s for s in _PINYIN if s not in syllables])
        native = name.native[1].replace(HANZI[words[core].english.split(" ")[index]],
                                        HANZI[syllables[index]], 1)
        words[core] = Word("".join(syllables).capitalize(), " ".join(syllables))
        return replace(name, words=tuple(words), native=(name.native[0], native))
    descriptive = [i for i, w in enumerate(words) if _is_morpheme(w)]
    if descriptive and rng.random() < 0.6:
        index = descriptive[-1]
        choices = [m for group in MORPHEMES.values() for m in group if m[0] != words[index].text]
        words[index] = Word(*rng.choice(choices))
    else:
        words[core] = replace(words[core], text=mutate(words[core].text, rng), english=None)
    return replace(name, words=tuple(words))


def _is_morpheme(word: Word) -> bool:
    return any(word.text == m[0] for group in MORPHEMES.values() for m in group) or \
        any(word.text == p[0] for p in PREFIXES)
