"""Actor identifiers compared as their registries mean them: one spelling per value.

Registry numbers (INN, OGRN, LEI, IMO...) name one entity each: equal values are strong
evidence for a match and different values in the same scheme strong evidence against, unless
the two differ by one keying error. Contact details (phone, email, website) may be shared by
the front companies of one operator: evidence, never proof.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
from rapidfuzz.distance import DamerauLevenshtein
from rigour.ids import get_identifier_format

REGISTRATION = ("company_number", "tax_id", "inn", "ogrn", "lei", "duns", "imo", "passport")
CONTACT = ("phone", "email", "website")
#: Schemes rigour knows a format of; the others are compared as upper-case letters and digits.
_FORMATS = {"inn": "inn", "ogrn": "ogrn", "imo": "imo", "lei": "lei"}
#: Mail hosts shared by unrelated people: their domain says nothing about an actor.
PUBLIC_MAIL = frozenset({"gmail.com", "mail.ru", "yandex.ru", "ya.ru", "bk.ru", "list.ru",
                         "inbox.ru", "outlook.com", "hotmail.com", "yahoo.com", "qq.com",
                         "163.com", "126.com", "icloud.com", "proton.me", "protonmail.com"})


def normalise(scheme: str, value: str, country: str | None = None) -> str | None:
    """The comparable form of ``value`` in ``scheme`` (None when nothing is left of it)."""
    if scheme == "phone":
        return _phone(value, country)
    if scheme == "email":
        return value.strip().lower() or None
    if scheme == "website":
        return host(value)
    format_ = get_identifier_format(_FORMATS.get(scheme, "strict"))
    return format_.normalize(value) or None


@lru_cache(maxsize=65536)
def _phone(value: str, country: str | None) -> str | None:
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        digits = "".join(ch for ch in value if ch.isdigit())
        return digits or None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def host(url: str) -> str | None:
    """The host of a website, lower case, without ``www.`` (``http://Felo.ru/`` -> felo.ru)."""
    text = url.strip().lower()
    netloc = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return netloc.removeprefix("www.") or None


def mail_domain(email: str) -> str | None:
    """The domain of an address, unless it is a public mail host."""
    domain = email.rpartition("@")[2].strip().lower()
    return domain if domain and domain not in PUBLIC_MAIL else None


def one_keying_error(a: str, b: str) -> bool:
    """Whether two different values differ by one inserted, dropped, changed or swapped
    character (a typist's slip rather than another registration)."""
    return a != b and DamerauLevenshtein.distance(a, b) <= 1
