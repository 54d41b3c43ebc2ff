"""This node's online keys: the current signer, and new keys for its root to announce."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from joserfc.jwk import OKPKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import KeyManagementError, NotFound
from . import jws
from .keys import (
    generate_key,
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
    """The newest own key not retired whose private key is on disk."""
    held = private_kids(keys_dir)
    rows = session.scalars(
        select(TrustedKey).where(TrustedKey.agency == agency, TrustedKey.until_seq.is_(None))
        .order_by(TrustedKey.from_seq.desc(), TrustedKey.kid))
    for row in rows:
        if row.kid in held:
            return _signer(keys_dir, row.kid)
    raise KeyManagementError(f"No usable signing key for {agency} in {keys_dir}: "
                             "run `enforce-share init` or `enforce-share keys rotate`")


def signer_of(keys_dir: Path, kid: str) -> NodeSigner:
    """The signer of one of this node's keys by kid (its private key on disk)."""
    return _signer(keys_dir, kid)


def new_online_key(keys_dir: Path) -> dict[str, Any]:
    """Generate and store a new online private key; return its public JWK."""
    key = generate_key()
    write_private_key(keys_dir, key)
    return public_jwk(key)


def own_key(session: Session, agency: str, kid: str) -> TrustedKey:
    """One of this node's keys by kid; NotFound otherwise."""
    row = session.get(TrustedKey, kid)
    if row is None or row.agency != agency:
        raise NotFound(f"{agency} has no key {kid}", {"kid": ["No such key of this node."]})
    return row
