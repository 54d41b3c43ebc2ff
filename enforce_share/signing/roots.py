"""Who must have signed a root, disavowal or membership statement (protocol section 9).

- A **root** statement of an agency, version 1, is signed by its own root keys, k of n,
  which must be the ones the membership document lists for the agency; a log that began
  under protocol 2 (no such anchor) adopts its first root in a record its online key signs.
  Version N+1 is signed by k of version N's root keys and k of its own; a version never
  goes back or skips. The record carrying it is signed by one of the online keys it allows.
- A **disavowal** is signed by k of the agency's current root keys, and names seqs before
  its own.
- A **membership** statement, version N+1, is signed by the roots of the quorum of version
  N's members (each member's at its own threshold, by its latest root keys held); it keeps
  every member of version N, in order. The same statement again is no change.

These rules read the registry's state (``trust.TrustRegistry``); their effects on the
tables are ``announcements``'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from joserfc.jwk import OKPKey

from .. import members
from ..errors import VerificationError
from ..records.drafts import KEY_TYPES, STATEMENT_TYPES
from ..records.trust_bodies import jwk_thumbprint
from .statements import check_threshold, signers

if TYPE_CHECKING:
    from .trust import TrustRegistry

__all__ = ["KEY_TYPES", "STATEMENT_TYPES", "RootState", "check_membership",
           "check_statement_record", "keyring"]


@dataclass(frozen=True)
class RootState:
    """An agency's root as a verifier holds it: version, threshold, root keys, expiry, and
    the seq of the record that carried it (0 for a membership document's anchor)."""

    agency: str
    version: int
    threshold: int
    keys: dict[str, OKPKey]
    expires: str
    seq: int


def keyring(jwks: list[dict[str, Any]]) -> dict[str, OKPKey]:
    """Public JWKs by kid."""
    return {jwk_thumbprint(jwk): OKPKey.import_key(
        {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}) for jwk in jwks}


def check_statement_record(registry: TrustRegistry, record: dict[str, Any], kid: str
                           ) -> OKPKey:
    """Check the statement a root, disavowal or membership record carries against the
    registry; return the key that must have signed the record itself (``kid``'s)."""
    body = record.get("body")
    statement = body.get("statement") if isinstance(body, dict) else None
    if not isinstance(statement, dict) or statement.get("statement") != record["type"]:
        raise VerificationError("malformed_record", f"a {record['type']} record carries a "
                                f"{record['type']} statement")
    check = {"root": _root, "disavowal": _disavowal, "membership": _membership}[record["type"]]
    return check(registry, statement, body["signatures"], record["origin"], record["seq"], kid)


def _root(registry: TrustRegistry, statement: dict[str, Any], signatures: Any, origin: str,
          seq: int, kid: str) -> OKPKey:
    if statement["agency"] != origin:
        raise VerificationError("wrong_agency", f"a root of {statement['agency']} in "
                                f"{origin}'s log")
    version, own = statement["version"], keyring(statement["root_keys"])
    prior = registry.roots.get(origin)
    if prior is None:
        if version != 1:
            raise VerificationError("root_gap", f"{origin}'s first root is version {version}, "
                                    "not 1")
        anchor = registry.anchors.get(origin)
        if anchor is not None and (set(own) != set(anchor.keys)
                                   or statement["threshold"] != anchor.threshold):
            raise VerificationError("root_not_anchored", f"{origin}'s root keys are not the "
                                    "ones the membership document lists")
        if anchor is None:  # a protocol 2 log adopts its root: its key vouches for it
            registry.entry(kid).check_usable(origin, seq)
    elif version <= prior.version:
        raise VerificationError("root_rollback", f"{origin}'s root version {version} after "
                                f"version {prior.version}")
    elif version != prior.version + 1:
        raise VerificationError("root_gap", f"{origin}'s root version {version} after "
                                f"version {prior.version}")
    else:
        check_threshold(statement, signatures, prior.keys, prior.threshold,
                        f"{origin}'s root version {prior.version}")
    check_threshold(statement, signatures, own, statement["threshold"],
                    f"{origin}'s root version {version}")
    online = keyring(statement["online_keys"])
    for online_kid in online:
        held = registry.entries.get(online_kid)
        if held is not None and held.agency != origin:
            raise VerificationError("wrong_agency", f"key {online_kid} belongs to {held.agency}")
        if held is not None and held.until_seq is not None and held.until_seq <= seq:
            raise VerificationError("key_retired", f"key {online_kid} was retired at seq "
                                    f"{held.until_seq}: a retired key never signs again")
    if kid not in online:
        raise VerificationError("not_online_key", "the record carrying a root is signed by "
                                "an online key that root allows")
    return online[kid]


def _disavowal(registry: TrustRegistry, statement: dict[str, Any], signatures: Any,
               origin: str, seq: int, kid: str) -> OKPKey:
    if statement["agency"] != origin:
        raise VerificationError("wrong_agency", f"a disavowal of {statement['agency']} in "
                                f"{origin}'s log")
    root = registry.roots.get(origin)
    if root is None:
        raise VerificationError("no_root", f"{origin} has no root to disavow with")
    check_threshold(statement, signatures, root.keys, root.threshold,
                    f"{origin}'s root version {root.version}")
    if any(last >= seq for _, last in statement["runs"]):
        raise VerificationError("disavows_the_future", f"a disavowal at seq {seq} names "
                                "seqs after it")
    entry = registry.entry(kid)
    entry.check_usable(origin, seq)
    return entry.key


def _membership(registry: TrustRegistry, statement: dict[str, Any], signatures: Any,
                origin: str, seq: int, kid: str) -> OKPKey:
    check_membership(registry, statement, signatures)
    entry = registry.entry(kid)
    entry.check_usable(origin, seq)
    return entry.key


def check_membership(registry: TrustRegistry, statement: dict[str, Any], signatures: Any
                     ) -> bool:
    """Check a membership statement against the document the registry holds; True if it is
    a new version to install, False if it is the very statement held (no change)."""
    current = registry.membership
    version = statement["version"]
    proposed = members.Membership.from_statement(statement)
    if version == current.version and proposed == current:
        return False
    if version <= current.version:
        raise VerificationError("membership_rollback", f"membership version {version} after "
                                f"version {current.version}")
    if version != current.version + 1 and current.version > 0:
        raise VerificationError("membership_gap", f"membership version {version} after "
                                f"version {current.version}")
    if current.version > 0:  # founding (over the provisional list): every member signs
        if proposed.codes[:len(current.codes)] != current.codes:
            raise VerificationError("membership_shrinks", "a new membership keeps every "
                                    "member, in order")
        voters, needed = current.members, current.quorum
    else:
        voters, needed = proposed.members, len(proposed.members)
    approving = [member.code for member in voters if _approves(registry, member, statement,
                                                                signatures)]
    if len(approving) < needed:
        raise VerificationError("below_threshold", f"{len(approving)} members' roots signed "
                                f"membership version {version}, {needed} needed")
    return True


def _approves(registry: TrustRegistry, member: members.Member, statement: dict[str, Any],
              signatures: Any) -> bool:
    """Whether ``member``'s root (its latest version held, else the keys the membership
    lists) signed, at its threshold."""
    root = registry.roots.get(member.code)
    keys, threshold = ((root.keys, root.threshold) if root is not None
                       else (keyring(list(member.root_keys)), member.threshold))
    return bool(keys) and len(signers(statement, signatures, keys)) >= threshold
