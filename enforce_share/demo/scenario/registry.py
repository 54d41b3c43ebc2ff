"""Identifiers and addresses of synthetic entities, and the ways reports write them down.

Identifiers have the shape of real ones but are kept out of real ranges where a lookup is
easy: Russian INN and OGRN carry region code 00, IMO numbers start with 0 (both with valid
check digits), and phone numbers use the fictional ranges some regulators reserve (US 555-01xx,
UK 020 7946 0xxx, AU 02 5550 xxxx) or a subscriber number starting with 0.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

import iuliia

from .names import cyrillic_word, latin_word, pinyin_word
from .places import City, Country
from .spelling import PLAIN, fold_ascii, romanise

_RUNS = re.compile(r"#+|@+")
_FICTIONAL_PHONES = {"US": "55501##", "GB": "79460###", "AU": "5550####", "CA": "55501##"}


def fill(pattern: str, rng: random.Random) -> str:
    """``pattern`` with each # a random digit and each @ a random capital letter."""
    def run(match: re.Match[str]) -> str:
        width = len(match.group())
        if match.group()[0] == "#":
            return f"{rng.randrange(10 ** width):0{width}d}"
        return "".join(rng.choices(string.ascii_uppercase, k=width))

    return _RUNS.sub(run, pattern)


def inn(rng: random.Random) -> str:
    """A 10-digit Russian taxpayer number of a legal entity, region 00, valid check digit."""
    digits = "00" + fill("#######", rng)
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return digits + str(check)


def ogrn(rng: random.Random, year: int) -> str:
    """A 13-digit Russian primary state registration number, region 00, valid check digit."""
    digits = f"1{year % 100:02d}00" + fill("#######", rng)
    return digits + str(int(digits) % 11 % 10)


def imo(rng: random.Random) -> str:
    """A 7-digit IMO ship number starting with 0, with a valid check digit."""
    digits = "0" + fill("#####", rng)
    return digits + str(sum(int(d) * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10)


def phone(country: Country, city: City, rng: random.Random) -> str:
    """An international phone number in a fictional or unused range: ``+374 10 0123456``."""
    subscriber = fill(_FICTIONAL_PHONES.get(country.code, "0######"), rng)
    return " ".join(part for part in (f"+{country.calling}", city.area, subscriber) if part)


def domain(core: str, country: Country, rng: random.Random) -> str:
    """A web domain from a name's core words (``velariks-treyd.am``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold_ascii(core).lower()).strip("-")
    if rng.random() < 0.4:
        slug = slug.replace("-", "")
    tld = country.tld if rng.random() < 0.7 else "com"
    return f"{slug}.{tld}"


def registry_numbers(country: Country, rng: random.Random, founded: int) -> list[tuple[str, str]]:
    """The registration and tax numbers a company of ``country`` has."""
    if country.code == "RU":
        return [("inn", inn(rng)), ("ogrn", ogrn(rng, founded))]
    return [(scheme, fill(pattern, rng)) for scheme, pattern in country.registry]


def render_identifier(scheme: str, value: str, rng: random.Random) -> str:
    """``value`` as one report writes it (spacing, prefixes, URL forms)."""
    shape = rng.random()
    if scheme == "phone":
        parts = value.split(" ")
        if shape < 0.5:
            return value
        if shape < 0.75:
            return "".join(parts)
        if shape < 0.9 or len(parts) < 3:
            return "00" + " ".join(parts)[1:]
        return f"{parts[0]} ({parts[1]}) {parts[2][:3]}-{parts[2][3:]}"
    if scheme == "website":
        return (value if shape < 0.3 else f"www.{value}" if shape < 0.6 else
                f"https://www.{value}" if shape < 0.85 else f"http://{value}/")
    if scheme == "imo":
        return f"IMO {value}" if shape < 0.5 else value
    if scheme in ("email", "inn", "ogrn"):
        return value
    return re.sub(r"[ .\-]", "", value) if shape < 0.15 else value


@dataclass(frozen=True)
class Address:
    """An address in parts, written out differently by each report."""

    country: Country
    city: City
    street: str  # Cyrillic for countries whose records romanise, else Latin
    number: int
    office: int
    postcode: str
    district: str = ""


def new_address(country: Country, rng: random.Random, city: City | None = None) -> Address:
    """A synthetic address in ``city`` or one of ``country``'s cities."""
    city = city or rng.choice(country.cities)
    if country.style == "ru":
        street = cyrillic_word(rng, 2).rstrip("йь") + "ская"
    elif country.style == "zh":
        street = "".join(pinyin_word(rng)).capitalize()
    else:
        street = latin_word(rng, country.style if country.style in ("tr", "in", "th", "sr")
                            else "en")
    district = rng.choice(city.districts) if city.districts else ""
    return Address(country, city, street, rng.randint(1, 180), rng.randint(1, 40) * 10 +
                   rng.randint(1, 9), fill(country.postcode, rng), district)


def render_address(address: Address, scheme: iuliia.Schema, rng: random.Random) -> str:
    """``address`` as one report writes it."""
    style, shape = address.country.style, rng.random()
    city, number, office, post = address.city, address.number, address.office, address.postcode
    if style == "ru":
        street = romanise(address.street, scheme)
        town = city.name if rng.random() < 0.6 or not city.cyrillic else \
            romanise(city.cyrillic, scheme)
        if shape < 0.35:
            return f"ul. {street} {number}, office {office}, {town} {post}"
        if shape < 0.6:
            return f"{post}, {town}, ul. {street}, d. {number}, of. {office}"
        if shape < 0.9:
            return f"{number} {street} St., Office {office}, {town}, {address.country.name}"
        return f"{post}, г. {city.cyrillic or city.name}, ул. {address.street}, д. {number}, " \
               f"оф. {office}"
    if style == "latin-ru":  # UAE free zones
        zone, short = address.district.split("|")
        if shape < 0.4:
            return f"Office {office}, {address.street} Building, {zone}, {city.name}, UAE"
        if shape < 0.7:
            return f"{short}, {city.name}, P.O. Box {number * 97}, Office {office}"
        return f"Unit {office}, {zone} ({short}), {city.name}, United Arab Emirates"
    if address.country.code == "HK":
        area, region = address.district.split("|")
        floor = office // 10
        if shape < 0.5:
            return f"Room {office}, {floor}/F, {address.street} Building, {number} " \
                   f"{address.street} Road, {area}, {region}"
        return f"Rm {office} {floor}F {address.street} Bldg {number} {address.street} Rd " \
               f"{area} {region} Hong Kong"
    if style == "zh":
        if shape < 0.5:
            return f"Room {office}, Building {number % 20 + 1}, {address.street} Industrial " \
                   f"Park, {address.district} District, {city.name}"
        return f"{city.name} {address.district} District {address.street} Industrial Park " \
               f"Bldg {number % 20 + 1} Rm {office}"
    if style == "tr":
        district = address.district or city.name
        text = (f"{address.street} Mah. {address.street} Cad. No:{number} D:{office}, "
                f"{district}/{city.name}" if shape < 0.5 else
                f"{address.street} Mahallesi, {address.street} Caddesi No. {number} Daire "
                f"{office}, {district}, {city.name} {post}")
        return fold_ascii(text) if rng.random() < 0.5 else text
    street = fold_ascii(address.street) if style == "sr" and shape < 0.5 else address.street
    if shape < 0.5:
        return f"{number} {street} Road, Suite {office}, {city.name} {post}".strip()
    return f"Suite {office}, {number} {street} Rd, {city.name}, {address.country.name}"


def plain(text: str) -> str:
    """``text`` romanised the way English web addresses and street signs usually are."""
    return romanise(text, PLAIN)
