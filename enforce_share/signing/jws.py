"""Detached compact JWS (RFC 7515 appendix F) over RFC 8785 canonical JSON, with Ed25519.

The algorithm name is the fully-specified ``Ed25519`` of RFC 9864 (which deprecates the
polymorphic ``EdDSA`` of RFC 8037). Signing and verification go through joserfc.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

import rfc8785
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from ..errors import VerificationError

ALGORITHM = "Ed25519"
ALGORITHMS = (ALGORITHM,)
#: Header members a record signature carries, and nothing else (no ``crit``, ``jku``, ``b64``).
HEADER_MEMBERS = frozenset({"alg", "kid"})
ZERO_HEAD = "0" * 64


def canonical(document: Any) -> bytes:
    """The RFC 8785 (JCS) canonical bytes of a JSON document."""
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise VerificationError("not_canonicalizable", str(exc)) from exc


def record_hash(canonical_bytes: bytes) -> str:
    """Lower-case hex SHA-256 of a record's canonical bytes."""
    return hashlib.sha256(canonical_bytes).hexdigest()


def next_head(previous_head: str, hash_hex: str) -> str:
    """Log chain step: ``sha256(bytes(previous_head) || bytes(record_hash))`` in hex."""
    return hashlib.sha256(bytes.fromhex(previous_head) + bytes.fromhex(hash_hex)).hexdigest()


def sign(payload: bytes, key: OKPKey, kid: str) -> str:
    """Sign ``payload`` and return the compact JWS with the payload detached (``h..s``)."""
    token = jws.serialize_compact({"alg": ALGORITHM, "kid": kid}, payload, key, ALGORITHMS)
    protected, _, signature = token.split(".")
    return f"{protected}..{signature}"


def header(token: str) -> dict[str, Any]:
    """The protected header of a detached JWS, checked for shape; VerificationError if not."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise VerificationError("malformed_jws", "a JWS compact serialisation has 3 parts")
    protected, payload, _ = token.split(".")
    if payload:
        raise VerificationError("malformed_jws", "the payload must be detached (empty)")
    return _checked_header(protected)


@lru_cache(maxsize=256)
def _checked_header(protected: str) -> dict[str, Any]:
    """Decode and check one protected header (a node's records share a handful of them)."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError("malformed_jws", "protected header is not base64url JSON") from exc
    if not isinstance(decoded, dict) or set(decoded) != HEADER_MEMBERS:
        raise VerificationError("bad_header", "header must hold exactly alg and kid")
    if decoded["alg"] != ALGORITHM:
        raise VerificationError("bad_header", f"alg must be {ALGORITHM}, not {decoded['alg']!r}")
    if not isinstance(decoded["kid"], str):
        raise VerificationError("bad_header", "kid must be a string")
    return decoded


def verify(token: str, payload: bytes, key: OKPKey) -> None:
    """Verify a detached JWS over ``payload``; raise VerificationError unless it holds."""
    try:
        jws.deserialize_compact(token, key, ALGORITHMS, payload=payload)
    except JoseError as exc:
        raise VerificationError("bad_signature", "signature does not match the bytes") from exc
    except ValueError as exc:  # malformed base64 in the signature part
        raise VerificationError("malformed_jws", str(exc)) from exc
