"""What an agency's root does through its node: its first root, rotations, disavowals.

A root statement is drafted on the node (which makes any new online key, keeping its private
key), signed by root key holders wherever the root keys are kept (``sign``, offline), and
published by the node: appended to its log as a record signed by an online key the statement
allows (a disavowal or membership record: by the current online key). A node checks a
statement as partners will before it publishes it, so it never writes what they refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import timestamp
from ..errors import InvalidInput, KeyManagementError, VerificationError
from ..markings import public_marking
from ..records.drafts import STATEMENT_TYPES, Draft
from ..records.log import append
from ..records.models import LogHead, Record
from ..records.trust_bodies import jwk_thumbprint
from ..records.verify import first_problem
from . import roots, statements
from .keys import private_kids
from .models import RootVersion, TrustedKey
from .node_keys import current_signer, new_online_key, signer_of
from .root_keys import RootKeys
from .trust import TrustRegistry

#: How long a root version is valid unless told otherwise (an expired root is an alarm).
ROOT_LIFETIME = timedelta(days=365)


def root_statement(agency: str, version: int, root: dict[str, Any],
                   online_keys: Sequence[dict[str, Any]], lifetime: timedelta = ROOT_LIFETIME
                   ) -> dict[str, Any]:
    """A root statement: ``root`` is ``{"root_keys": [...], "threshold": k}``."""
    expires = timestamp(datetime.now(UTC) + lifetime)
    return {"statement": "root", "agency": agency, "version": version, "expires": expires,
            "threshold": root["threshold"],
            "root_keys": [_public(jwk) for jwk in root["root_keys"]],
            "online_keys": [_public(jwk) for jwk in online_keys]}


def _public(jwk: dict[str, Any]) -> dict[str, Any]:
    return {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"], "kid": jwk_thumbprint(jwk)}


def latest_root(session: Session, agency: str) -> RootVersion | None:
    """The newest root version held for ``agency``."""
    return session.scalar(select(RootVersion).where(RootVersion.agency == agency)
                          .order_by(RootVersion.version.desc()).limit(1))


def draft_first_root(session: Session, agency: str, keys_dir: Path, root: RootKeys
                     ) -> dict[str, Any]:
    """Root version 1 of a node that has none: the online keys it already uses (a log
    written under protocol 2 adopts its root so), else a new one."""
    online = [row.jwk for row in session.scalars(select(TrustedKey).where(
        TrustedKey.agency == agency, TrustedKey.until_seq.is_(None)))
        if row.kid in private_kids(keys_dir)]
    if not online:  # a new node: its first key, trusted here as a partner trusts it from
        jwk = new_online_key(keys_dir)  # the JWK Set the node gives (`keys export`)
        session.add(TrustedKey(kid=jwk["kid"], agency=agency,
                               jwk={k: jwk[k] for k in ("kty", "crv", "x")}, from_seq=0,
                               until_seq=None, retired_because=None, source="init"))
        session.flush()
        online = [jwk]
    return unsigned(root_statement(agency, 1, root.public(), online))


def draft_rotation(session: Session, agency: str, keys_dir: Path,
                   new_root: dict[str, Any] | None = None) -> dict[str, Any]:
    """The next root version: a new online key in place of the current ones, and the same
    root keys (or ``new_root``'s, signed then by both the old and the new)."""
    held = latest_root(session, agency)
    if held is None:
        raise KeyManagementError(f"{agency} has no root yet: `enforce-share root adopt`")
    root = new_root or {"root_keys": held.statement["root_keys"],
                        "threshold": held.statement["threshold"]}
    return unsigned(root_statement(agency, held.version + 1, root,
                                   [new_online_key(keys_dir)]))


def draft_disavowal(session: Session, agency: str, kid: str, runs: Sequence[Sequence[int]],
                    reason: str) -> dict[str, Any]:
    """A disavowal of what ``kid`` signed at ``runs`` (inclusive [first, last]) of the log."""
    if latest_root(session, agency) is None:
        raise KeyManagementError(f"{agency} has no root to disavow with")
    return unsigned({"statement": "disavowal", "agency": agency, "kid": kid,
                     "runs": [[int(first), int(last)] for first, last in runs],
                     "reason": reason})


def unsigned(statement: dict[str, Any]) -> dict[str, Any]:
    """A statement with no signature yet, as drafts are carried to the root key holders."""
    return {"statement": statement, "signatures": []}


def sign(document: dict[str, Any], root: RootKeys) -> dict[str, Any]:
    """``document`` with the signatures of every key in ``root`` added (offline)."""
    statement = document.get("statement") if isinstance(document, dict) else None
    if not isinstance(statement, dict) or statement.get("statement") not in STATEMENT_TYPES:
        raise InvalidInput("Not a root, disavowal or membership statement",
                           {"statement": ["Expected {statement: {...}, signatures: [...]}."]})
    return {"statement": statement, "signatures": statements.merge(
        document.get("signatures") or [], statements.sign(statement, root.keys))}


def publish(session: Session, agency: str, keys_dir: Path, document: dict[str, Any]
            ) -> Record:
    """Append a signed statement to ``agency``'s log, once it passes what partners check."""
    statement = document.get("statement") if isinstance(document, dict) else None
    kind = statement.get("statement") if isinstance(statement, dict) else None
    if kind not in STATEMENT_TYPES:
        raise InvalidInput("Not a root, disavowal or membership statement",
                           {"statement": ["Expected {statement: {...}, signatures: [...]}."]})
    signer = _publisher(session, agency, keys_dir, kind, statement)
    head = session.get(LogHead, agency)
    record = {"type": kind, "origin": agency, "seq": (head.seq if head else 0) + 1,
              "body": document}
    try:
        roots.check_statement_record(TrustRegistry.load(session), record, signer.kid)
    except (VerificationError, KeyError, TypeError) as exc:
        raise InvalidInput(f"Partners would refuse this {kind}: {exc}",
                           {"signatures": [str(exc)]}) from exc
    try:
        (stored,) = append(session, signer, agency,
                           [Draft(kind, public_marking(), document)], reserved=True)
    except InvalidInput as exc:
        raise InvalidInput(f"Not a valid {kind}: {first_problem(exc.fields or {})}",
                           exc.fields) from exc
    return stored


def _publisher(session: Session, agency: str, keys_dir: Path, kind: str,
               statement: dict[str, Any]) -> Any:
    """The key that signs the record carrying the statement: for a root, an online key it
    allows whose private key is here; else the current one."""
    if kind != "root":
        return current_signer(session, agency, keys_dir)
    held = private_kids(keys_dir)
    kids = [jwk_thumbprint(jwk) for jwk in statement.get("online_keys", ())]
    kid = next((kid for kid in kids if kid in held), None)
    if kid is None:
        raise KeyManagementError("none of the online keys this root allows has its private "
                                 f"key in {keys_dir}: draft the rotation on this node")
    return signer_of(keys_dir, kid)
