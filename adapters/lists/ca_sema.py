"""Canada's Consolidated Special Economic Measures Act list in its XML (``data-set``).

Each ``record`` holds ``Country`` (the regime, bilingual: ``Russia / Russie``), either
``Entity`` (with ``Aliases``, comma-separated) or ``LastName`` and ``GivenName`` (with
``DateOfBirth``, ``Title``), ``Schedule`` and ``Item``. Items count from 1 within a regime's
schedule, so the key is regime, schedule and item together. The regime is not the party's
country (a Chinese supplier may be listed under the Russia regime) and is kept apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree.ElementTree import Element

from enforce_share.lists.entries import SOURCES, Entry, ListFile, ListFormatError, ParsedList

from .common import actor_body, child_text, children, clean, published_from_name, xml_document


def read(files: Sequence[ListFile]) -> ParsedList:
    """The list of one SEMA XML file."""
    file, root = xml_document(files, "data-set", "a SEMA data-set")
    entries: dict[str, Entry] = {}
    for number, element in enumerate(children(root, "record"), 1):
        entry = _entry(file, number, element)
        if entry.key in entries:
            raise ListFormatError(f"{file.name} record #{number}", f"repeats item {entry.key}")
        entries[entry.key] = entry
    if not entries:
        raise ListFormatError(file.name, "no record elements")
    return ParsedList("ca-sema", published_from_name([file]), list(entries.values()))


def _entry(file: ListFile, number: int, element: Element) -> Entry:
    regime = clean(child_text(element, "Country").split(" / ")[0])
    schedule, item = child_text(element, "Schedule"), child_text(element, "Item")
    entity = child_text(element, "Entity")
    person = clean(f"{child_text(element, 'GivenName')} {child_text(element, 'LastName')}")
    if not regime or not item or not (entity or person):
        raise ListFormatError(f"{file.name} record #{number}",
                              "needs a Country, an Item and an Entity or a LastName")
    key = f"{regime}/{schedule or '-'}/{item}"
    aliases = [alias for alias in child_text(element, "Aliases").split(", ") if alias]
    body = actor_body("company" if entity else "person", entity or person,
                      alias_names=aliases, listing={"list": SOURCES["ca-sema"],
                                                    "reference": key})
    extra = {"regime": regime, "schedule": schedule}
    for member, name in (("DateOfBirth", "dates_of_birth"), ("Title", "title")):
        if child_text(element, member):
            extra[name] = child_text(element, member)
    return Entry(key, body, extra)
