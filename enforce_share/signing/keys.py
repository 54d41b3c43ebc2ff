"""This node's private Ed25519 signing keys: generation, 0600 files, and the current key."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from joserfc.jwk import OKPKey

from ..errors import KeyManagementError
from .jws import ALGORITHM

KEY_SUFFIX = ".pem"


def generate_key() -> OKPKey:
    """A fresh Ed25519 key pair."""
    return OKPKey.generate_key("Ed25519", private=True)


def kid_of(key: OKPKey) -> str:
    """The key id: the RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key."""
    return key.thumbprint()


def public_jwk(key: OKPKey) -> dict[str, Any]:
    """The public JWK (RFC 8037) of a key, with its kid, alg and use."""
    jwk = key.as_dict(private=False)
    return {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"], "kid": kid_of(key),
            "alg": ALGORITHM, "use": "sig"}


def write_private_key(keys_dir: Path, key: OKPKey) -> Path:
    """Store a private key as PKCS#8 PEM, created with mode 0600 (never group/world readable)."""
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = keys_dir / f"{kid_of(key)}{KEY_SUFFIX}"
    pem = key.as_pem(private=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return path


def load_private_key(keys_dir: Path, kid: str) -> OKPKey:
    """Load a private key by kid; refuse a file others may read (fail closed)."""
    path = keys_dir / f"{kid}{KEY_SUFFIX}"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise KeyManagementError(f"No private key for kid {kid} in {keys_dir}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyManagementError(f"{path} is readable by others: chmod 600 it")
    key = OKPKey.import_key(path.read_bytes())
    if kid_of(key) != kid:
        raise KeyManagementError(f"{path} does not hold the key {kid}")
    return key


def private_kids(keys_dir: Path) -> set[str]:
    """Kids of the private keys present in ``keys_dir``."""
    if not keys_dir.is_dir():
        return set()
    return {p.name[: -len(KEY_SUFFIX)] for p in keys_dir.glob(f"*{KEY_SUFFIX}")}
