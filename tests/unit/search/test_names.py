"""Names as search keys: spellings of one front company meet; different companies do not."""

from __future__ import annotations

import pytest

from enforce_share.search.names import latin, name_terms, query_terms, similarity

TEKHNO = ["ТЕХНО ТРЕЙД", "OOO «Техно Трейд»", "Tekhno-Treyd LLC", "Techno Trade", "TEKHNO TREYD",
          "Tekno Treid Ltd", "Общество с ограниченной ответственностью «Техно Трейд»"]


@pytest.mark.parametrize("spelling", TEKHNO)
def test_spellings_of_one_name_share_its_terms_and_score_high(spelling) -> None:
    words, joined = query_terms("Techno Trade")
    assert set(words) <= name_terms(spelling) or joined in name_terms(spelling)
    assert similarity("Techno Trade", spelling) >= 0.9


@pytest.mark.parametrize("name, expected", [
    ("ТОО «Насат Трейд»", "nasat treyd"),  # a Kazakh LLP: the legal form goes in any script
    ("Müller GmbH", "muller"),
    ("Akerhan Ltd. Şti.", "akerhan"),
    ("  OOO  Dyakaks-Elektroniks ", "dyakaks elektroniks"),
])
def test_latin_spelling_drops_legal_forms_accents_and_case(name, expected) -> None:
    assert latin(name) == expected


def test_run_together_spellings_meet() -> None:
    _, joined = query_terms("Nasat Treyd")
    assert joined in name_terms("NASATTREYD TOO")
    assert similarity("Nasat Treyd", "NASATTREYD TOO") >= 0.9


@pytest.mark.parametrize("other", ["Tecnomar Trading", "Alanwick Instruments", "Trade House"])
def test_other_companies_score_below_a_match(other) -> None:
    assert similarity("Techno Trade", other) < 0.75
