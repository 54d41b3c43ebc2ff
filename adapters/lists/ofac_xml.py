"""The OFAC SDN list as Treasury's SDN.XML (namespace ``http://tempuri.org/sdnList.xsd``).

``publshInformation`` (sic) gives the publication date and the number of entries, which is
checked: a file cut short at an entry boundary is still well-formed XML, and would otherwise
delist every entry it lost. Each ``sdnEntry`` has its names, ``idList`` (typed numbers,
read as the CSV's remarks are), ``akaList``, ``addressList``, ``nationalityList``,
``citizenshipList``, ``dateOfBirthList`` and ``programList``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element

from enforce_share.lists.entries import SOURCES, Entry, ListFile, ListFormatError, ParsedList

from .common import (
    actor_body,
    address,
    child_text,
    children,
    clean,
    country_code,
    iso_date,
    xml_document,
)
from .ofac_csv import identifiers_of

KINDS = {"Entity": "company", "Individual": "person", "Vessel": "vessel",
         "Aircraft": "aircraft"}


def read(files: Sequence[ListFile]) -> ParsedList:
    """The SDN list of one SDN.XML file."""
    file, root = xml_document(files, "sdnList", "an sdnList document")
    info = next(children(root, "publshInformation"), None)
    published = (iso_date(child_text(info, "Publish_Date"), ("%m/%d/%Y",))
                 if info is not None else None)
    entries = [_entry(file, number, element) for number, element in
               enumerate(children(root, "sdnEntry"), 1)]
    declared = child_text(info, "Record_Count") if info is not None else ""
    if declared.isdigit() and int(declared) != len(entries):
        raise ListFormatError(file.name, f"holds {len(entries):,} sdnEntry elements where its "
                                         f"Record_Count says {int(declared):,} (truncated?)")
    return ParsedList("ofac-sdn", published, entries)


def _entry(file: ListFile, number: int, element: Element) -> Entry:
    key, kind = child_text(element, "uid"), KINDS.get(child_text(element, "sdnType"))
    name = _name(element)
    if not key.isdigit() or kind is None or not name:
        raise ListFormatError(f"{file.name} sdnEntry #{number} (uid {key or '?'})",
                              "needs a numeric uid, an sdnType and a lastName")
    identifiers = []
    for found in _items(element, "idList", "id"):
        identifiers += identifiers_of(child_text(found, "idType"), child_text(found, "idNumber"),
                                      child_text(found, "idCountry") or None)
    places = [address([child_text(a, part) for part in ("address1", "address2", "address3",
                                                          "city", "stateOrProvince",
                                                          "postalCode", "country")],
                      child_text(a, "country")) for a in _items(element, "addressList",
                                                                 "address")]
    nations = [child_text(n, "country") for kind_of in ("nationality", "citizenship")
               for n in _items(element, f"{kind_of}List", kind_of)]
    codes = [code for code in (country_code(name) for name in nations) if code]
    codes += [place["country"] for place in places if "country" in place]
    body = actor_body(kind, name, alias_names=[_name(aka) for aka in _items(
        element, "akaList", "aka")], country_codes=codes, addresses=places,
        identifiers=identifiers, listing={"list": SOURCES["ofac-sdn"], "reference": key})
    extra: dict[str, Any] = {"programs": [clean(p.text) for p in _items(
        element, "programList", "program") if clean(p.text)]}
    births = [child_text(b, "dateOfBirth") for b in _items(element, "dateOfBirthList",
                                                           "dateOfBirthItem")]
    if any(births):
        extra["dates_of_birth"] = [birth for birth in births if birth]
    for member in ("title", "remarks"):
        if child_text(element, member):
            extra[member] = child_text(element, member)
    return Entry(key, body, extra)


def _name(element: Element) -> str:
    return clean(f"{child_text(element, 'firstName')} {child_text(element, 'lastName')}")


def _items(element: Element, listed: str, item: str) -> list[Element]:
    return [found for group in children(element, listed) for found in children(group, item)]
