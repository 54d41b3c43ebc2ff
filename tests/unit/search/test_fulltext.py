"""The free-text syntax: words, phrases, OR, exclusions, as FTS5 and tsquery expressions."""

from __future__ import annotations

import pytest

from enforce_share.errors import InvalidInput
from enforce_share.search.fulltext import parse_text


def test_words_phrases_or_and_exclusions() -> None:
    query = parse_text('thermal "end user" cameras OR lenses -drone')
    assert query.fts5() == ('(("thermal") AND ("end user") AND ("cameras" OR "lenses")) '
                            'NOT ("drone")')
    assert query.tsquery() == ("(('thermal')) & (('end' <-> 'user')) & "
                               "(('cameras') | ('lenses')) & !('drone')")
    assert query.fts5("title").startswith("{title} : (")
    assert "'thermal':A" in query.tsquery("A")


def test_inner_punctuation_makes_a_phrase_and_quotes_cannot_escape() -> None:
    query = parse_text("Tekhno-Treyd 3A001.a it's")
    assert query.fts5() == '("tekhno treyd") AND ("3a001 a") AND ("it s")'
    assert parse_text("o'brien").tsquery() == "(('o' <-> 'brien'))"  # no quote gets through


@pytest.mark.parametrize("q", ["-thermal", '""', "OR", "!!!", "- -"])
def test_nothing_to_find_is_refused_naming_q(q) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_text(q)
    assert "q" in refused.value.fields
