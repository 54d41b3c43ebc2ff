"""Name words and spelling keys: romanisations agree, namesakes and legal forms do not count."""

from __future__ import annotations

import pytest

from enforce_share.entities.names import name_words, spelling
from enforce_share.entities.profile import profile
from enforce_share.entities.scoring import compare


@pytest.mark.parametrize("variants", [
    ("Pizyurskiy", "Piziurskii", "Piziourskii", "Pizyursky"),  # BGN, ICAO, French MVD, Wiki
    ("Yevro", "Evro"), ("Dmitriyevich", "Dmitrievich"), ("Ilya", "Ilia", "Il'ya"),
    ("Nikolay", "Nikolaj", "Nikolai"), ("Kholding", "Xolding", "Holding"),
    ("Shchukin", "Schukin", "Shhukin"), ("Tsvetkov", "Tzvetkov"), ("Yuliya", "Iuliia"),
])
def test_romanisations_of_one_word_share_a_spelling_key(variants: tuple[str, ...]) -> None:
    assert len({spelling(name_words(word, "person")[0]) for word in variants}) == 1


@pytest.mark.parametrize("pair", [("Marrix", "Merrix"), ("Kirer", "Karer"),
                                  ("Devatuk", "Devatak"), ("Hai", "Hao")])
def test_namesakes_a_vowel_apart_keep_their_own_keys(pair: tuple[str, str]) -> None:
    assert spelling(pair[0].lower()) != spelling(pair[1].lower())


@pytest.mark.parametrize("name", [
    "Velariks LLC", "OOO Velariks", "ООО «Веларикс»", "ОсОО Веларикс", "Velariks Co., Ltd.",
    "Velariks Pvt. Ltd.", "Velariks F.Z.E.", "Velariks d.o.o.", "Velariks Sp. z o.o.",
    "Velariks SPY", "M/V Velariks", "Velariks Company Limited",
])
def test_legal_forms_and_ship_prefixes_are_not_name_words(name: str) -> None:
    assert name_words(name, "company") == ("velariks",)


def test_a_han_name_loses_its_legal_form_and_stays_one_word() -> None:
    assert name_words("香港捷信贸易有限公司", "company") == ("xianggangjiexinmaoyi",)


def company(name: str, *aliases: str) -> dict:
    return {"kind": "company", "name": name, "countries": ["AE"],
            "aliases": [{"name": alias} for alias in aliases]}


def test_a_namesake_in_the_same_city_is_not_a_match_but_a_romanisation_is() -> None:
    marrix, merrix = profile("a", company("Marrix FZE")), profile("b", company("Merrix FZE"))
    assert not compare(marrix, merrix).accepted
    assert compare(marrix, merrix).features["name"] < 0.8
    ship = profile("c", {"kind": "vessel", "name": "Kapitan Pizyurskiy", "countries": ["RU"]})
    other = profile("d", {"kind": "vessel", "name": "M/V KAPITAN PIZIOURSKII",
                          "countries": ["RU"]})
    assert compare(ship, other).features["name"] == 1.0 and compare(ship, other).accepted


def test_pinyin_spacing_and_a_left_out_patronymic_still_match() -> None:
    spaced = profile("a", company("Guangzhou Hai Chuang Freight Forwarding Co., Ltd."))
    joined = profile("b", company("Guangzhou Haichuang Freight Forwarding Company"))
    assert compare(spaced, joined).features["name"] == 1.0

    def person(name: str) -> dict:
        return {"kind": "person", "name": name, "countries": ["RU"]}

    short = profile("c", person("Konstantin Mitytin"))
    full = profile("d", person("MITYTIN Konstantin Dmitriyevich"))
    assert compare(short, full).features["name"] == 1.0
    initials = profile("e", person("Mitytin K. D."))
    assert compare(initials, full).features["name"] >= 0.8
    namesake = profile("f", person("Konstantin Pavlovich Mitytsyn"))
    assert compare(short, namesake).features["name"] < 0.8
