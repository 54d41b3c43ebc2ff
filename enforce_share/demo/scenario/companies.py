"""Company names by country and role: the naming habits of each registry."""

from __future__ import annotations

import random

from .names import (
    CompanyName,
    PersonName,
    Word,
    chinese_company,
    cyrillic_company,
    cyrillic_word,
    latin_company,
)
from .people import chinese_person, russian_person, turkish_person
from .places import Country

#: Industry words of Latin-script names by role, with English where the word is not English.
_INDUSTRY: dict[str, dict[str, tuple[tuple[str, str | None], ...]]] = {
    "en": {
        "trade": (("Components", None), ("Electronics", None), ("Instruments", None),
                  ("Microsystems", None), ("Technologies", None), ("Supply", None),
                  ("Distribution", None), ("Trading", None)),
        "freight": (("Logistics", None), ("Freight", None), ("Shipping", None),
                    ("Cargo", None)),
        "finance": (("Capital", None), ("Investments", None), ("Holdings", None)),
    },
    "tr": {
        "trade": (("Elektronik", "Electronics"), ("Dış Ticaret", "Foreign Trade"),
                  ("Teknoloji", "Technology"), ("İthalat İhracat", "Import Export")),
        "freight": (("Lojistik", "Logistics"), ("Nakliyat", "Transport")),
        "finance": (("Yatırım", "Investment"), ("Finans", "Finance")),
    },
}
_ZH_INDUSTRY = {
    "trade": (("Electronics Technology", "电子科技"), ("Trading", "贸易"),
              ("Semiconductor", "半导体"), ("Technology", "科技"), ("Supply Chain", "供应链")),
    "freight": (("International Logistics", "国际物流"), ("Freight Forwarding", "货运代理")),
    "finance": (("Investment", "投资"), ("International Trade", "国际贸易")),
}
#: The role a company plays in a network, and the kind of words its name carries.
TRADE_OF_ROLE = {"freight_forwarder": "freight", "financier": "finance"}


def company_name(country: Country, role: str, rng: random.Random) -> CompanyName:
    """A synthetic name for a company of ``country`` playing ``role`` in a network."""
    trade = TRADE_OF_ROLE.get(role, "trade")
    form = country.forms[0] if rng.random() < 0.7 else rng.choice(country.forms)
    style = country.style
    if style == "latin-ru":  # Gulf free zones: Russian-run fronts next to local traders
        style = "ru" if rng.random() < 0.6 else "en"
    if style == "ru":
        if role == "end_user" and rng.random() < 0.15:
            return CompanyName((Word(cyrillic_word(rng)),), "nii", cyrillic=True)
        return cyrillic_company(rng, form, trade)
    if style == "zh":
        city = rng.choice(country.cities)
        place = (city.name, city.cyrillic or "香港") if rng.random() < 0.7 else None
        return chinese_company(rng, form, place, rng.choice(_ZH_INDUSTRY[trade]))
    language = style if style in ("tr", "in", "th", "sr") else "en"
    industry = _INDUSTRY.get(language, _INDUSTRY["en"])[trade]
    return latin_company(rng, form, language, industry)


def director_name(country: Country, rng: random.Random) -> PersonName:
    """A director of a company registered in ``country`` (often a Russian national)."""
    if country.style == "zh" and rng.random() < 0.8:
        return chinese_person(rng)
    if country.style == "tr" and rng.random() < 0.7:
        return turkish_person(rng)
    return russian_person(rng)
