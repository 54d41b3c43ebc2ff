"""The UN Security Council Consolidated List in the UN's XML (``CONSOLIDATED_LIST``).

``INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY``, each with ``DATAID`` (the key),
``FIRST_NAME`` to ``FOURTH_NAME``, ``REFERENCE_NUMBER`` (``TAi.005``), ``UN_LIST_TYPE``,
``LISTED_ON``, ``NAME_ORIGINAL_SCRIPT``, aliases (``*_ALIAS/ALIAS_NAME``), addresses
(``*_ADDRESS``), ``NATIONALITY/VALUE`` and documents (``INDIVIDUAL_DOCUMENT``: passports).
The document's ``dateGenerated`` is the publication date.
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
    identifier,
    local,
    xml_document,
)

GROUPS = (("INDIVIDUALS", "INDIVIDUAL", "person"), ("ENTITIES", "ENTITY", "company"))
ADDRESS_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")


def read(files: Sequence[ListFile]) -> ParsedList:
    """The list of one consolidated XML file."""
    file, root = xml_document(files, "CONSOLIDATED_LIST", "a CONSOLIDATED_LIST")
    entries = []
    for group, item, kind in GROUPS:
        for holder in children(root, group):
            for number, element in enumerate(children(holder, item), 1):
                entries.append(_entry(file, f"{item} #{number}", element, kind))
    if not entries:
        raise ListFormatError(file.name, "no INDIVIDUAL or ENTITY elements")
    generated = root.get("dateGenerated", "")
    return ParsedList("un", generated[:10] or None, entries)


def _entry(file: ListFile, where: str, element: Element, kind: str) -> Entry:
    key = child_text(element, "DATAID")
    name = clean(" ".join(child_text(element, part) for part in (
        "FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")))
    if not key or not name:
        raise ListFormatError(f"{file.name} {where} (DATAID {key or '?'})",
                              "needs a DATAID and a FIRST_NAME")
    item = local(element.tag)
    names = [child_text(alias, "ALIAS_NAME") for alias in children(element, f"{item}_ALIAS")]
    names.append(child_text(element, "NAME_ORIGINAL_SCRIPT"))
    places = [address([child_text(a, part) for part in ADDRESS_PARTS],
                      child_text(a, "COUNTRY")) for a in children(element, f"{item}_ADDRESS")]
    nations = [clean(value.text) for group in children(element, "NATIONALITY")
               for value in children(group, "VALUE")]
    codes = [code for code in map(country_code, nations) if code]
    codes += [place["country"] for place in places if "country" in place]
    passports = [identifier("passport", child_text(document, "NUMBER"))
                 for document in children(element, "INDIVIDUAL_DOCUMENT")
                 if "passport" in child_text(document, "TYPE_OF_DOCUMENT").lower()]
    reference = child_text(element, "REFERENCE_NUMBER")
    body = actor_body(kind, name, alias_names=names, country_codes=codes, addresses=places,
                      identifiers=passports, listing={"list": SOURCES["un"],
                                                      "date": child_text(element, "LISTED_ON"),
                                                      "reference": reference})
    extra: dict[str, Any] = {"programs": [child_text(element, "UN_LIST_TYPE")]}
    for member in ("COMMENTS1", "VERSIONNUM"):
        if child_text(element, member):
            extra[member.lower()] = child_text(element, member)
    return Entry(key, body, extra)
