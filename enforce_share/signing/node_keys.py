"""This node's key lifecycle: the current signer, first key, rotation and revocation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from joserfc.jwk import OKPKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import parse_timestamp, timestamp
from ..errors import KeyManagementError, NotFound
from . import jws
from .keys import (
    generate_key,
    kid_of,
    load_private_key,
    private_kids,
    public_jwk,
    write_private_key,
)
from .models import TrustedKey


@dataclass(frozen=True)
class NodeSigner:
    """Signs with one of this node's private keys."""

    kid: str
    key: OKPKey

    def sign(self, payload: bytes) -> str:
        """A detached compact JWS over ``payload``."""
        return jws.sign(payload, self.key, self.kid)


@lru_cache(maxsize=32)
def _signer(keys_dir: Path, kid: str) -> NodeSigner:
    return NodeSigner(kid, load_private_key(keys_dir, kid))


def current_signer(session: Session, agency: str, keys_dir: Path) -> NodeSigner:
    """The newest usable own key (trusted, in its window, not revoked, private key on disk)."""
    now = parse_timestamp(timestamp())
    held = private_kids(keys_dir)
    rows = session.scalars(
        select(TrustedKey).where(TrustedKey.agency == agency, TrustedKey.revoked_at.is_(None))
        .order_by(TrustedKey.valid_from.desc())
    )
    for row in rows:
        if row.kid in held and parse_timestamp(row.valid_from) <= now and (
            row.valid_until is None or now < parse_timestamp(row.valid_until)
        ):
            return _signer(keys_dir, row.kid)
    raise KeyManagementError(f"No usable signing key for {agency} in {keys_dir}: "
                             "run `enforce-share init` or `enforce-share keys rotate`")


def new_key_draft_body(keys_dir: Path) -> tuple[str, dict]:
    """Generate and store a new private key; return its kid and `key` record body."""
    key = generate_key()
    write_private_key(keys_dir, key)
    jwk = public_jwk(key)
    return kid_of(key), {"kid": jwk["kid"], "jwk": jwk, "valid_from": timestamp()}


def register_own_key(session: Session, agency: str, body: dict, source: str) -> None:
    """Trust one of this node's own keys (before its announcement is signed)."""
    session.add(TrustedKey(kid=body["kid"], agency=agency,
                           jwk={k: body["jwk"][k] for k in ("kty", "crv", "x")},
                           valid_from=body["valid_from"], valid_until=None, revoked_at=None,
                           revocation_reason=None, source=source))
    session.flush()


def own_key(session: Session, agency: str, kid: str) -> TrustedKey:
    """One of this node's keys by kid; NotFound otherwise."""
    row = session.get(TrustedKey, kid)
    if row is None or row.agency != agency:
        raise NotFound(f"{agency} has no key {kid}", {"kid": ["No such key of this node."]})
    return row
