"""Log entries as the chain sees them: each record's *stub*, which its origin attests.

A stub is what anyone may know of an entry: ``{"origin", "seq", "id", "hash", "marking"}``,
the record hash and the marking (who the record is released to). The log chain runs over
the stubs' hashes (protocol 2, section 7), so a checkpoint the origin signs commits to every
entry's audience: a node holding only a placeholder (the stub) can tell a record not meant
for it from one withheld from it, and asks again for the latter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from .. import members
from ..errors import VerificationError
from ..markings import TLP_ORDER

STUB_MEMBERS = frozenset({"origin", "seq", "id", "hash", "marking"})
_HASH = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MAX_SEQ = 2**53 - 1


def stub(origin: str, seq: int, record_id: str, record_hash: str, tlp: str,
         releasable_to: Iterable[str]) -> dict[str, Any]:
    """The stub of an entry: a placeholder on the wire, the chain's leaf once hashed."""
    return {"origin": origin, "seq": seq, "id": record_id, "hash": record_hash,
            "marking": {"tlp": tlp, "releasable_to": list(releasable_to)}}


def entry_hash(entry_stub: dict[str, Any]) -> str:
    """Lower-case hex SHA-256 of the stub's RFC 8785 bytes.

    Every value of a checked stub (or of a verified record's) is ASCII without characters
    JSON escapes and the only number an integer below 2^53, so writing the members in their
    sorted order gives exactly the RFC 8785 bytes (tests hold it equal to the rfc8785
    package) at a fraction of the cost: this runs for every entry a node ingests.
    """
    marking = entry_stub["marking"]
    agencies = ",".join(f'"{agency}"' for agency in marking["releasable_to"])
    text = (f'{{"hash":"{entry_stub["hash"]}","id":"{entry_stub["id"]}","marking":'
            f'{{"releasable_to":[{agencies}],"tlp":"{marking["tlp"]}"}},'
            f'"origin":"{entry_stub["origin"]}","seq":{int(entry_stub["seq"])}}}')
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def is_placeholder(entry: Any) -> bool:
    """Whether a feed entry is a placeholder (a stub) rather than a signed record."""
    return isinstance(entry, dict) and "record" not in entry and "jws" not in entry


def checked_stub(entry: Any) -> dict[str, Any]:
    """``entry`` if it is a well-formed stub; VerificationError ``malformed_entry`` if not."""
    if not isinstance(entry, dict) or set(entry) != STUB_MEMBERS:
        raise VerificationError("malformed_entry", "a placeholder is exactly "
                                "{origin, seq, id, hash, marking}")
    seq, marking = entry["seq"], entry["marking"]
    if (not members.is_member(entry["origin"]) or type(seq) is not int or not 1 <= seq <= MAX_SEQ
            or not isinstance(entry["hash"], str) or not _HASH.fullmatch(entry["hash"])
            or not isinstance(entry["id"], str) or not _ID.fullmatch(entry["id"])):
        raise VerificationError("malformed_entry", "placeholder needs an agency origin, a seq, "
                                "a record id and a SHA-256 hash")
    if not isinstance(marking, dict) or set(marking) != {"tlp", "releasable_to"} or (
            marking["tlp"] not in TLP_ORDER) or not _agency_list(marking["releasable_to"]):
        raise VerificationError("malformed_entry", "placeholder marking needs a TLP level and "
                                f"1 to {members.MAX_MEMBERS} distinct agency codes")
    return entry


def _agency_list(value: Any) -> bool:
    """Agency codes as a stub may carry them: a code need not be a member's yet (its
    origin may have admitted an agency this node has not heard of), only well formed."""
    return (isinstance(value, list) and 1 <= len(value) <= members.MAX_MEMBERS
            and all(isinstance(code, str) and members.CODE.fullmatch(code) for code in value)
            and len(set(value)) == len(value))


def record_stub(record: dict[str, Any], record_hash: str) -> dict[str, Any]:
    """The stub of a full record (its envelope, checked) with its record hash."""
    marking = record["marking"]
    return stub(record["origin"], record["seq"], record["id"], record_hash, marking["tlp"],
                marking["releasable_to"])
