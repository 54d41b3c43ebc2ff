"""Readers of the official lists in their published formats, one module per format.

Each reader takes the bytes of a source's files (``ListFile``) and returns every entry
(``ParsedList``), or refuses the whole input with a ``ListFormatError`` naming the file and
the line or element that is wrong: the lists held stay as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from enforce_share.lists.entries import ListFile, ListFormatError, ParsedList

from . import au_dfat, ca_sema, chpl, csl, ofac_csv, ofac_xml, uk, un
from .common import read_file

__all__ = ["READERS", "Reader", "read", "read_file"]

Reader = Callable[[Sequence[ListFile]], ParsedList]


def _ofac(files: Sequence[ListFile]) -> ParsedList:
    """SDN.XML, or SDN.CSV with ALT.CSV and ADD.CSV."""
    if any(file.content.lstrip()[:1] == b"<" for file in files):
        return ofac_xml.read(files)
    return ofac_csv.read(files)


#: The reader of each source (``enforce-share lists import --source``).
READERS: dict[str, Reader] = {
    "ofac-sdn": _ofac,
    "uk": uk.read,
    "un": un.read,
    "ca-sema": ca_sema.read,
    "au-dfat": au_dfat.read,
    "csl": csl.read,
    "chpl": chpl.read,
}


def read(source: str, files: Sequence[ListFile]) -> ParsedList:
    """Every entry of ``source``'s ``files`` (ListFormatError if they are not its format)."""
    if not files:
        raise ListFormatError(source, "no file given")
    return READERS[source](files)
