"""Statements signed by several keys: JWS JSON Serialization, general syntax (RFC 7515 §7.2.1).

A root, disavowal or membership statement is what an agency's offline root keys (or the
members' roots) sign, k of n. The statement travels in a record's body beside its
signatures; the payload (the statement's RFC 8785 bytes) is detached (RFC 7515 appendix F),
so each signature is ``{"protected": <base64url header>, "signature": <base64url>}``, the
header exactly ``{"alg": "Ed25519", "kid": <thumbprint>}``, and the signing input the one of
the compact form. Any JOSE library that reads the general syntax verifies them once the
payload is put back.

Checking fails closed: :func:`check_threshold` raises unless enough distinct keys of the set
given signed; a signature that names a key of the set but does not verify is an error, not a
signature to skip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from joserfc.jwk import OKPKey

from ..errors import VerificationError
from . import jws

#: Signatures one statement may carry at most (checking each costs a verification).
MAX_SIGNATURES = 32


def sign(statement: dict[str, Any], keys: Iterable[OKPKey]) -> list[dict[str, str]]:
    """Signatures of ``statement`` by each of ``keys``."""
    payload = jws.canonical(statement)
    signatures = []
    for key in keys:
        protected, _, signature = jws.sign(payload, key, key.thumbprint()).split(".")
        signatures.append({"protected": protected, "signature": signature})
    return signatures


def merge(*signature_lists: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """One list of signatures from several (as key holders sign apart), each key once."""
    merged: dict[str, dict[str, str]] = {}
    for signatures in signature_lists:
        for signature in signatures:
            merged.setdefault(signature["protected"], signature)
    return list(merged.values())


def signers(statement: dict[str, Any], signatures: Any,
            keys: Mapping[str, OKPKey]) -> set[str]:
    """The kids of ``keys`` whose signature over ``statement`` is among ``signatures`` and
    verifies. Signatures by keys not in ``keys`` are ignored; one by a key in ``keys`` that
    does not verify raises ``bad_signature``; a malformed list raises ``malformed_jws``."""
    if not isinstance(signatures, list) or not 1 <= len(signatures) <= MAX_SIGNATURES:
        raise VerificationError("malformed_jws", f"signatures: a list of 1 to {MAX_SIGNATURES}")
    payload = jws.canonical(statement)
    found: set[str] = set()
    for signature in signatures:
        if not isinstance(signature, dict) or set(signature) != {"protected", "signature"} or (
                not all(isinstance(part, str) for part in signature.values())):
            raise VerificationError("malformed_jws", "each signature is exactly "
                                    "{protected, signature}")
        token = f"{signature['protected']}..{signature['signature']}"
        kid = jws.header(token)["kid"]
        if kid in keys and kid not in found:
            jws.verify(token, payload, keys[kid])
            found.add(kid)
    return found


def check_threshold(statement: dict[str, Any], signatures: Any, keys: Mapping[str, OKPKey],
                    threshold: int, whose: str) -> set[str]:
    """The signers among ``keys``; ``below_threshold`` unless they are ``threshold`` or more."""
    found = signers(statement, signatures, keys)
    if len(found) < threshold:
        raise VerificationError("below_threshold", f"{len(found)} of {whose}'s keys signed, "
                                f"{threshold} needed")
    return found
