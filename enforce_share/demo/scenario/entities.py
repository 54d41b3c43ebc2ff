"""Real-world entities of the scenario (the ground truth) and each agency's actor record of one."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .companies import company_name, director_name
from .names import CompanyName, PersonName, near_namesake
from .people import vessel_name
from .places import COUNTRIES, FLAGS, Country
from .registrar import Registrar
from .registry import (
    Address,
    domain,
    fill,
    imo,
    new_address,
    phone,
    plain,
    registry_numbers,
    render_address,
    render_identifier,
)
from .render import company_names, person_names
from .spelling import SCHEMES, typo

#: The list each agency's listings refer to.
LISTS = {"USA": "BIS Entity List (15 CFR Part 744, Supp. 4)", "GBR": "UK Sanctions List (Russia)",
         "CAN": "Special Economic Measures (Russia) Regulations, Schedule 1",
         "AUS": "Consolidated List (Autonomous Sanctions, Russia)",
         "NZL": "Russia Sanctions Register"}
_NOTES = {
    "end_user": "End user in {dest}; buys foreign electronics for defence-industrial customers.",
    "intermediary": "Company registered in {year} with no manufacturing capacity; consignee of "
                    "controlled items re-exported to {dest}.",
    "freight_forwarder": "Freight forwarder consolidating shipments for onward carriage to {dest}.",
    "financier": "Pays suppliers on behalf of buyers in {dest} from accounts in {country}.",
    "exporter": "Distributor of electronic components; shipped to consignees in transit "
                "countries.",
    "director": "Director and shareholder of a company in this network (registry extract).",
    "vessel": "General cargo vessel; port calls between {country} and Russian ports.",
}
#: Identifier schemes and how likely one report is to give each.
_SHOWN = {"inn": 0.7, "ogrn": 0.55, "company_number": 0.6, "tax_id": 0.55, "duns": 0.4,
          "lei": 0.5, "imo": 0.95, "phone": 0.5, "email": 0.4, "website": 0.35, "passport": 0.5}
_WORDS = ("email", "website")  # identifiers a keying error is not modelled on


@dataclass(frozen=True)
class Report:
    """An agency's latest actor record of an entity, and the name it gives it."""

    id: str
    name: str
    marking: dict
    body: dict

    def visible_to(self, agency: str) -> bool:
        """Whether ``agency`` may see this record (it is releasable to it)."""
        return agency in self.marking["releasable_to"]


@dataclass(eq=False)
class Entity:
    """One real-world company, person or vessel; agencies report it under varying names."""

    ent: str  # ground-truth id, ent-000123
    kind: str  # actor kind: company, organization, person, vessel
    role: str  # end_user, intermediary, freight_forwarder, financier, exporter, director, vessel
    country: Country
    name: CompanyName | PersonName
    address: Address | None
    identifiers: list[tuple[str, str]]
    destination: str = "RU"
    founded: int = 2022
    reporters: list[str] = field(default_factory=list)  # agencies that may report it (1-4)
    reports: dict[str, Report] = field(default_factory=dict)
    employer: Entity | None = None  # directors: the company they direct
    namesake: Entity | None = None  # a distinct entity with a near-identical name
    listings: list[dict] = field(default_factory=list)
    extra_countries: tuple[str, ...] = ()  # nationality of a person, flag of a vessel

    @property
    def core(self) -> str:
        """The name's core words in plain romanisation (for web domains)."""
        if isinstance(self.name, PersonName):
            return plain(self.name.family)
        return " ".join(plain(word.text) for word in self.name.words if not word.optional)


def new_company(ent: str, code: str, role: str, destination: str, rng: random.Random,
                registrar: Registrar) -> Entity:
    """A company of country ``code`` playing ``role`` in a network supplying ``destination``."""
    country = COUNTRIES[code]
    name = registrar.unique(lambda r: company_name(country, role, r),
                            lambda drawn: {(code, _core(drawn))}, registrar.names, rng)
    kind = "organization" if name.form == "nii" else "company"
    entity = Entity(ent, kind, role, country, name, new_address(country, rng), [],
                    destination, founded=rng.randint(2015 if role == "end_user" else 2021, 2025))
    entity.identifiers = _contact_numbers(entity, rng, registrar)
    return entity


def _core(name: CompanyName) -> str:
    return " ".join(plain(word.text).lower() for word in name.words if not word.optional)


def _contact_numbers(entity: Entity, rng: random.Random,
                     registrar: Registrar) -> list[tuple[str, str]]:
    country = entity.country
    numbers = registrar.unique(lambda r: registry_numbers(country, r, entity.founded),
                               lambda drawn: set(drawn), registrar.numbers, rng)
    if entity.role == "exporter" and rng.random() < 0.4:
        numbers.append(("lei", fill("549300@@@@@@@@@@@@##", rng)))
    assert entity.address is not None
    numbers.append(("phone", phone(country, entity.address.city, rng)))
    site = domain(entity.core, country, rng)
    if rng.random() < 0.7:
        numbers.append(("email", f"{rng.choice(('info', 'sales', 'office', 'export'))}@{site}"))
    if rng.random() < 0.5:
        numbers.append(("website", site))
    return numbers


def namesake_of(ent: str, entity: Entity, rng: random.Random, registrar: Registrar) -> Entity:
    """A distinct company with a near-identical name in the same city (a hard negative).

    Front companies of one operator often share an address or phone, never a registration
    number; the pair is linked both ways so judgements can name it.
    """
    assert isinstance(entity.name, CompanyName) and entity.address is not None
    address = entity.address if rng.random() < 0.5 else \
        new_address(entity.country, rng, entity.address.city)
    twin = Entity(ent, entity.kind, entity.role, entity.country,
                  near_namesake(entity.name, rng), address, [], entity.destination,
                  founded=rng.randint(2021, 2025))
    twin.identifiers = _contact_numbers(twin, rng, registrar)
    if rng.random() < 0.3:
        shared = [pair for pair in entity.identifiers if pair[0] == "phone"]
        twin.identifiers = [pair for pair in twin.identifiers if pair[0] != "phone"] + shared
    entity.namesake, twin.namesake = twin, entity
    return twin


def new_director(ent: str, company: Entity, rng: random.Random) -> Entity:
    """A person directing ``company``."""
    person = director_name(company.country, rng)
    nationality = "RU" if person.script == "Cyrl" else company.country.code
    numbers: list[tuple[str, str]] = []
    if person.script == "Cyrl" and rng.random() < 0.4:
        numbers.append(("passport", fill("## #######", rng)))
    assert company.address is not None
    if rng.random() < 0.5:
        numbers.append(("phone", phone(company.country, company.address.city, rng)))
    director = Entity(ent, "person", "director", company.country, person, company.address,
                      numbers, company.destination, employer=company,
                      extra_countries=(nationality,) if nationality != company.country.code
                      else ())
    return director


def new_vessel(ent: str, destination: str, rng: random.Random) -> Entity:
    """A cargo vessel with an IMO number, under a Russian or convenience flag."""
    flag = FLAGS.pick(rng)
    return Entity(ent, "vessel", "vessel", COUNTRIES["RU"], vessel_name(rng), None,
                  [("imo", imo(rng))], destination, extra_countries=(flag,))


def actor_body(entity: Entity, agency: str, rng: random.Random) -> dict:
    """The body of ``agency``'s actor record of ``entity``: its own spelling and selection."""
    if isinstance(entity.name, PersonName):
        name, aliases = person_names(entity.name, agency, rng)
    else:
        name, aliases = company_names(entity.name, agency, rng)
    body: dict = {"kind": entity.kind, "name": name}
    if aliases:
        body["aliases"] = aliases
    countries = [entity.country.code] if entity.kind != "vessel" else []
    countries += [code for code in entity.extra_countries if code not in countries]
    body["countries"] = countries
    if entity.address and entity.kind != "person" and rng.random() < 0.8:
        text = render_address(entity.address, SCHEMES[agency].pick(rng), rng)
        body["addresses"] = [{"text": text, "country": entity.address.country.code}]
    identifiers = [{"scheme": scheme, "value": render_identifier(scheme, value, rng)}
                   for scheme, value in entity.identifiers if rng.random() < _SHOWN[scheme]]
    numbers = [shown for shown in identifiers if shown["scheme"] not in _WORDS]
    if numbers and rng.random() < 0.04:  # a keying error: the reports now conflict
        wrong = rng.choice(numbers)
        wrong["value"] = typo(wrong["value"], rng)
    if identifiers:
        body["identifiers"] = identifiers
    listings = [dict(listing) for listing in entity.listings if rng.random() < 0.8]
    if listings:
        body["listings"] = listings
    if rng.random() < 0.6:
        body["notes"] = _NOTES[entity.role].format(
            dest="Russia" if entity.destination == "RU" else "Belarus", year=entity.founded,
            country=entity.country.name)
    return body
