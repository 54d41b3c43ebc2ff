"""What a verified trust record changes: online keys, an agency's root, the membership.

The same rules hold for this node's own records and for partners' records arriving by sync
or bundle. Keys are bound to places in their agency's log: a key announced at seq s signs
from s; one retired at seq r signs nothing from r on, for good (protocol section 9).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, event, select, update
from sqlalchemy.orm import Session

from .. import members
from ..errors import VerificationError
from ..markings import SHAREABLE
from ..records.models import Record
from .models import MembershipVersion, RootVersion, TrustedKey
from .roots import keyring


def apply_trust_record(session: Session, record: dict[str, Any]) -> None:
    """Update the registry from a verified key, root or membership record."""
    kind, body, origin, seq = record["type"], record["body"], record["origin"], record["seq"]
    if kind == "key":
        _announce(session, origin, body["kid"], body["jwk"], seq, record["id"])
    elif kind == "key_revocation":
        retire(session, origin, body["kid"], seq, body["reason"])
    elif kind == "root":
        _root(session, record)
    elif kind == "membership":
        install_membership(session, body["statement"], body["signatures"], record["id"])


def _announce(session: Session, agency: str, kid: str, jwk: dict[str, Any], seq: int,
              source: str) -> None:
    existing = session.get(TrustedKey, kid)
    if existing is not None:
        if existing.agency != agency:
            raise VerificationError("wrong_agency", f"key {kid} is registered to "
                                    f"{existing.agency}")
        return
    session.add(TrustedKey(kid=kid, agency=agency,
                           jwk={k: jwk[k] for k in ("kty", "crv", "x")}, from_seq=seq,
                           until_seq=None, retired_because=None, source=source))
    session.flush()


def retire(session: Session, agency: str, kid: str, seq: int, reason: str) -> None:
    """Retire ``agency``'s key ``kid`` from ``seq`` on (never later than it already was)."""
    key = session.get(TrustedKey, kid)
    if key is None or key.agency != agency:
        raise VerificationError("wrong_agency", f"{agency} holds no key {kid}")
    if key.until_seq is None or seq < key.until_seq:
        key.until_seq, key.retired_because = seq, reason
    session.flush()


def _root(session: Session, record: dict[str, Any]) -> None:
    """A new root version: kept, and the online keys it lists are the agency's from here on
    (those it leaves out are retired at this seq)."""
    statement, origin, seq = record["body"]["statement"], record["origin"], record["seq"]
    session.add(RootVersion(agency=origin, version=statement["version"], seq=seq,
                            expires=statement["expires"], statement=statement,
                            signatures=record["body"]["signatures"], record_id=record["id"]))
    online = keyring(statement["online_keys"])
    for key in session.scalars(select(TrustedKey).where(  # a key known to start later (a
            TrustedKey.agency == origin, TrustedKey.until_seq.is_(None),  # JWK Set says so)
            TrustedKey.from_seq <= seq)):  # is the business of the root that announces it
        if key.kid not in online:
            retire(session, origin, key.kid, seq, f"not in root version {statement['version']}")
    for jwk in statement["online_keys"]:
        kid = next(iter(keyring([jwk])))
        _announce(session, origin, kid, jwk, seq, record["id"])


def install_membership(session: Session, statement: dict[str, Any],
                       signatures: list[dict[str, str]], source: str) -> bool:
    """Keep a verified membership version (unless it is the one held) and install it in this
    process once the transaction commits; True if it was new. Records naming an agency it
    admits get that agency's bit in their audience mask."""
    membership = members.Membership.from_statement(statement)
    if session.get(MembershipVersion, membership.version) is not None:
        return False
    session.add(MembershipVersion(version=membership.version, statement=statement,
                                  signatures=signatures, source=source))
    admitted = [code for code in membership.codes if code not in members.codes()]
    for code in admitted:
        bit = 1 << membership.codes.index(code)
        session.execute(update(Record).where(
            cast(Record.releasable_to, String).contains(f'"{code}"'),
            Record.tlp.in_(sorted(SHAREABLE))).values(audience=Record.audience.op("|")(bit)))
    event.listen(session, "after_commit", lambda _: members.install(membership), once=True)
    session.flush()
    return True
