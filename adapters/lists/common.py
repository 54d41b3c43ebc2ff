"""What every list reader needs: bounded reads, safe XML, countries, identifiers, clean text.

List files are untrusted input however official their publisher: a node may be handed one on
removable media or fetch it through a proxy. So a file is read only up to ``MAX_FILE_BYTES``,
XML is parsed by defusedxml with document types forbidden (no entity expansion, no external
entities: no billion laughs, no XXE), text loses control characters, and each problem names
the file and the line or element that is wrong.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import pycountry
from defusedxml import DefusedXmlException
from rigour.ids import get_identifier_format
from rigour.territories import lookup_territory

from enforce_share.lists.entries import ListFile, ListFormatError

#: The largest list file read (the OFAC SDN XML is some 30 MiB, the US Consolidated
#: Screening List JSON some 60 MiB): larger is refused, not read.
MAX_FILE_BYTES = 256 * 1024 * 1024
_COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries)
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f]")
_SPACES = re.compile(r"\s+")
_DATE_IN_NAME = re.compile(r"(20[0-9]{2})-([01][0-9])(?:-([0-3][0-9]))?")
_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z-]{4,}[0-9A-Z]")
_VALIDATED = {scheme: get_identifier_format(scheme) for scheme in ("inn", "ogrn", "imo", "lei")}
#: Text caps of an actor body (docs/protocol.md section 4): what a list gives beyond is cut.
NAME_MAX, ADDRESS_MAX, IDENTIFIER_MAX = 500, 1000, 200


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> ListFile:
    """The bytes of ``path``, refused (ListFormatError) beyond ``limit`` bytes."""
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError as exc:
        raise ListFormatError(path.name, f"cannot be read: {exc.strerror or exc}") from exc
    if len(content) > limit:
        raise ListFormatError(path.name, f"larger than {limit:,} bytes: refused unread")
    return ListFile(path.name, content)


def text_of(file: ListFile, encoding: str = "utf-8") -> str:
    """The file as text; a byte the encoding does not allow names its line."""
    try:
        return file.content.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = file.content[:exc.start].count(b"\n") + 1
        raise ListFormatError(f"{file.name} line {line}",
                              f"not {encoding} text (byte {exc.start})") from exc


def xml_root(file: ListFile) -> ElementTree.Element:
    """The parsed document of an XML list file: document types (and so every entity
    declaration) refused, a syntax error or truncation named by line and column."""
    try:
        return SafeElementTree.parse(io.BytesIO(file.content), forbid_dtd=True).getroot()
    except DefusedXmlException as exc:
        raise ListFormatError(file.name, f"refused: {type(exc).__name__} (no document "
                                         "types, entities or external references)") from exc
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise ListFormatError(f"{file.name} line {line} column {column}",
                              f"not well-formed XML ({str(exc).split(':')[0]})") from exc


def only(files: Sequence[ListFile], what: str) -> ListFile:
    """The one file a reader of a single-file format was given."""
    if len(files) != 1:
        raise ListFormatError(", ".join(file.name for file in files), f"give one {what} file")
    return files[0]


def xml_document(files: Sequence[ListFile], root: str, what: str
                 ) -> tuple[ListFile, ElementTree.Element]:
    """The one XML file given and its root element, which must be ``root``."""
    file = only(files, "XML")
    element = xml_root(file)
    if local(element.tag) != root:
        raise ListFormatError(f"{file.name} <{local(element.tag)}>", f"not {what}")
    return file, element


def local(tag: str) -> str:
    """An element's name without its namespace (``{uri}sdnEntry`` -> ``sdnEntry``)."""
    return tag.rpartition("}")[2]


def child_text(element: ElementTree.Element, name: str) -> str:
    """The cleaned text of ``element``'s first child called ``name`` (any namespace)."""
    for child in element:
        if local(child.tag) == name:
            return clean(child.text)
    return ""


def children(element: ElementTree.Element, name: str) -> Iterator[ElementTree.Element]:
    """``element``'s children called ``name`` (any namespace)."""
    return (child for child in element if local(child.tag) == name)


def clean(value: Any, limit: int = NAME_MAX) -> str:
    """Text as a record may hold it: control characters gone, spaces folded, capped."""
    if value is None:
        return ""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value))).strip()
    return text[:limit].strip()


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country named as lists name them ("Russia",
    "Korea, North", "Burma / Birmanie", "Crimea"), or of an address's last part."""
    text = clean(text)
    if not text or text.lower() in ("undetermined", "unknown", "na", "n/a"):
        return None
    if len(text) == 2 and text.upper() in _COUNTRIES:
        return text.upper()
    candidates = [text, text.split(" / ")[0], text.rstrip("."), text.rsplit(",", 1)[-1]]
    for candidate in candidates:
        territory = lookup_territory(candidate.strip())
        if territory is not None:
            code = territory.code.split("-")[0].upper()
            if code in _COUNTRIES:
                return code
    return None


def countries(names: Iterable[str]) -> list[str]:
    """The distinct codes of ``names``, in order."""
    return list(dict.fromkeys(code for name in names if (code := country_code(name))))


def registry_identifiers(value: str, hint: str, country: str | None = None) -> list[dict[str, str]]:
    """Identifiers of an actor body from a registry or tax number as a list writes it.

    A number that validates as an OGRN (Russian state registration) or an INN (Russian tax
    number) is one, whatever the list calls it; ``hint`` (``tax``, ``registration``) says
    what else it is: a ``tax_id`` or a ``company_number``.
    """
    found = []
    for number in _NUMBER.findall(value.upper()):
        digits = number.replace("-", "")
        if sum(character.isdigit() for character in digits) < 5:
            continue  # a word ("RUSSIA"), not a number
        if digits.isdigit() and _VALIDATED["ogrn"].is_valid(digits):
            scheme = "ogrn"
        elif digits.isdigit() and (country in (None, "RU")) and _VALIDATED["inn"].is_valid(
                digits) and len(digits) in (10, 12):
            scheme = "inn"
        else:
            scheme = "tax_id" if hint == "tax" else "company_number"
        found.append({"scheme": scheme, "value": clean(number, IDENTIFIER_MAX)})
    return found


def identifier(scheme: str, value: str) -> dict[str, str] | None:
    """One identifier of an actor body (None when nothing is left of the value)."""
    text = clean(value, IDENTIFIER_MAX)
    if scheme == "imo":
        text = text.upper().removeprefix("IMO").strip()
    return {"scheme": scheme, "value": text} if text else None


def unique(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` without repeats, in order (dicts compared by their items)."""
    seen: dict[tuple, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(tuple(sorted(item.items())), item)
    return list(seen.values())


def aliases(names: Iterable[str], primary: str) -> list[dict[str, str]]:
    """Alias objects of an actor body: each name once, the primary name left out."""
    kept = dict.fromkeys(clean(name) for name in names)
    kept.pop(primary, None)
    kept.pop("", None)
    return [{"name": name} for name in list(kept)[:200]]


def iso_date(value: Any, formats: Iterable[str] = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y",
                                                    "%d %b %Y", "%d %B %Y")) -> str | None:
    """A date as YYYY-MM-DD (from a datetime, or text in one of ``formats``), else None."""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = clean(value)[:40]
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    return None


def published_from_name(files: Iterable[ListFile]) -> str | None:
    """A publication date written in a file's name (``ofac_sdn_2024-05-03.csv``)."""
    for file in files:
        found = _DATE_IN_NAME.search(file.name)
        if found:
            return "-".join(part for part in found.groups() if part)
    return None


def actor_body(kind: str, name: str, *, alias_names: Iterable[str] = (),
               country_codes: Iterable[str] = (), addresses: Iterable[dict[str, str]] = (),
               identifiers: Iterable[dict[str, str] | None] = (),
               listing: dict[str, str]) -> dict[str, Any]:
    """An actor-shaped body, empty members left out (as records leave them out)."""
    primary = clean(name)
    body: dict[str, Any] = {"kind": kind, "name": primary,
                            "aliases": aliases(alias_names, primary),
                            "countries": list(dict.fromkeys(country_codes))[:50],
                            "addresses": unique(a for a in addresses if a.get("text"))[:100],
                            "identifiers": unique(i for i in identifiers if i)[:100],
                            "listings": [{key: value for key, value in listing.items() if value}]}
    return {key: value for key, value in body.items() if value not in ([], "")}


def address(parts: Iterable[Any], country: str | None = None) -> dict[str, str]:
    """An address object from its parts (empty parts and ``-0-`` left out)."""
    text = clean(", ".join(clean(part, ADDRESS_MAX) for part in parts
                           if clean(part) and clean(part) != "-0-"), ADDRESS_MAX)
    found = {"text": text}
    code = country_code(country) if country else None
    if code:
        found["country"] = code
    return found
