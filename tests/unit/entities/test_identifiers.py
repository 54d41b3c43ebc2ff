"""Identifier values compared as registries mean them."""

from __future__ import annotations

import pytest

from enforce_share.entities.identifiers import host, mail_domain, normalise, one_keying_error


@pytest.mark.parametrize("scheme, a, b, country", [
    ("inn", "7707 083 893", "7707083893", "RU"),
    ("imo", "IMO 9321483", "9321483", None),
    ("company_number", "286.110.1234", "286 110 1234", "AM"),
    ("phone", "+7 (495) 123-45-67", "8 495 123 45 67", "RU"),
    ("website", "http://www.Felokamtekh.ru/", "felokamtekh.ru", None),
    ("email", "Export@Felokamtekh.ru ", "export@felokamtekh.ru", None),
])
def test_spellings_of_one_value_compare_equal(scheme, a, b, country) -> None:
    assert normalise(scheme, a, country) == normalise(scheme, b, country) is not None


def test_different_values_stay_different() -> None:
    assert normalise("inn", "7707083893", "RU") != normalise("inn", "7707083894", "RU")
    assert normalise("phone", "+7 495 123 45 67", "RU") != normalise("phone", "+7 495 123 45 68",
                                                                     "RU")


def test_hosts_and_mail_domains() -> None:
    assert host("https://www.example.co.uk/contact") == "example.co.uk"
    assert mail_domain("sales@felokamtekh.ru") == "felokamtekh.ru"
    assert mail_domain("ivanov@mail.ru") is None  # a public mail host says nothing


@pytest.mark.parametrize("a, b, slip", [
    ("7707083893", "7707083839", True), ("7707083893", "770708393", True),
    ("7707083893", "7707083893", False), ("7707083893", "5407083811", False),
])
def test_one_keying_error(a, b, slip) -> None:
    assert one_keying_error(a, b) is slip
