"""The federation's members: the one home of the agency codes every list in the code follows.

Membership is data. A node holds the membership document its partners signed (protocol
section 9: members by ISO 3166-1 alpha-3 code, their names, URLs and root keys, and the
quorum that may change it) and installs the newest version it verified here, at start and
whenever a new one arrives; markings, record shapes, search facets, exports and every command
ask :func:`codes`. Until a node holds a signed document it knows the founding partners
(:data:`FOUNDING`), by code and name only, which trust nothing by themselves: keys still come
from partners' JWK Sets or root records.

Codes are only ever added: a member keeps its place in the order, which gives its bit in a
record's audience mask (``markings.audience``).

This module imports nothing of the project, so every layer can ask it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: An agency code as records carry it: ISO 3166-1 alpha-3, upper case. Shapes check this;
#: whether a code is a member is decided here, against the document installed.
CODE = re.compile(r"^[A-Z]{3}$")
#: At most this many members (a record's audience is a 63-bit mask).
MAX_MEMBERS = 63


@dataclass(frozen=True)
class Member:
    """One member agency: its code and name, its node's URL, its root keys (public JWKs) and
    how many of them must sign its root statements."""

    code: str
    name: str
    url: str | None = None
    root_keys: tuple[dict[str, Any], ...] = ()
    threshold: int = 1

    def as_dict(self) -> dict[str, Any]:
        """As the membership statement carries it."""
        member = {"code": self.code, "name": self.name, "root_keys": list(self.root_keys),
                  "threshold": self.threshold}
        return member | ({"url": self.url} if self.url else {})


@dataclass(frozen=True)
class Membership:
    """A version of the membership document: the members in order, and the quorum of
    members whose roots must sign the next version."""

    version: int
    quorum: int
    members: tuple[Member, ...]
    _codes: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_codes", tuple(member.code for member in self.members))

    @property
    def codes(self) -> tuple[str, ...]:
        """Member codes in order."""
        return self._codes

    def member(self, code: str) -> Member | None:
        """The member of ``code``, if it is one."""
        return next((member for member in self.members if member.code == code), None)

    def statement(self) -> dict[str, Any]:
        """The signed form's payload (protocol section 9)."""
        return {"statement": "membership", "version": self.version, "quorum": self.quorum,
                "members": [member.as_dict() for member in self.members]}

    @classmethod
    def from_statement(cls, statement: dict[str, Any]) -> Membership:
        """From a checked membership statement."""
        return cls(statement["version"], statement["quorum"], tuple(
            Member(entry["code"], entry["name"], entry.get("url"),
                   tuple(entry["root_keys"]), entry["threshold"])
            for entry in statement["members"]))


#: The founding partners, before a node holds a signed membership document.
FOUNDING = Membership(0, 3, tuple(Member(code, name) for code, name in (
    ("USA", "United States: BIS Office of Export Enforcement"),
    ("GBR", "United Kingdom: HM Revenue & Customs and the Export Control Joint Unit"),
    ("CAN", "Canada: Canada Border Services Agency"),
    ("AUS", "Australia: Australian Border Force"),
    ("NZL", "New Zealand: New Zealand Customs Service"),
)))

_lock = threading.Lock()
_current = FOUNDING


def current() -> Membership:
    """The membership document installed in this process."""
    return _current


def codes() -> tuple[str, ...]:
    """The member agency codes, in order."""
    return _current.codes


def is_member(code: Any) -> bool:
    """Whether ``code`` is a member's code."""
    return isinstance(code, str) and code in _current.codes


def install(membership: Membership) -> None:
    """Make ``membership`` current, unless one of a later version already is (versions only
    move forward; the caller verified it)."""
    global _current
    with _lock:
        if membership.version >= _current.version:
            _current = membership


def reset(membership: Membership = FOUNDING) -> None:
    """Install ``membership`` whatever its version (a process that opens another node)."""
    global _current
    with _lock:
        _current = membership


class _CurrentCodes(Sequence[str]):
    """The member codes as a sequence that follows the document installed (for lists made
    once, such as form choices and templates' globals, that must not freeze the members)."""

    def __getitem__(self, index):  # type: ignore[override]
        return _current.codes[index]

    def __len__(self) -> int:
        return len(_current.codes)

    def __repr__(self) -> str:
        return f"CURRENT_CODES{_current.codes!r}"


#: The member codes, live: iterating or testing membership asks the document installed.
CURRENT_CODES: Sequence[str] = _CurrentCodes()


def named(values: Iterable[str]) -> list[str]:
    """``values`` that are member codes, in the members' order."""
    wanted = set(values)
    return [code for code in _current.codes if code in wanted]
