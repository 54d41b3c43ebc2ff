"""Detached compact JWS (RFC 7515 appendix F) over RFC 8785 canonical JSON, with Ed25519.

The algorithm name is the fully-specified ``Ed25519`` of RFC 9864 (which deprecates the
polymorphic ``EdDSA`` of RFC 8037). Signing goes through joserfc; verification checks the
header and decodes as joserfc does, and has libsodium check the signature (see
:func:`verify`). Tests hold both interoperable with jwcrypto.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from functools import lru_cache
from typing import Any

import orjson
import rfc8785
from joserfc import jws
from joserfc.jwk import OKPKey
from joserfc.util import urlsafe_b64decode, urlsafe_b64encode
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ..errors import VerificationError

ALGORITHM = "Ed25519"
ALGORITHMS = (ALGORITHM,)
#: Header members a record signature carries, and nothing else (no ``crit``, ``jku``, ``b64``).
HEADER_MEMBERS = frozenset({"alg", "kid"})
ZERO_HEAD = "0" * 64


#: orjson with sorted keys, refusing integers JCS cannot hold (beyond +-(2^53 - 1)).
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
_SCALARS = (str, int, bool, type(None))


def canonical(document: Any) -> bytes:
    """The RFC 8785 (JCS) canonical bytes of a JSON document.

    The rfc8785 package is the reference; it costs about 70 us for a record, which a node
    pays for every record it signs, verifies or receives. orjson writes the same bytes in
    about 5 us wherever JCS and orjson agree on every part, which :func:`_agrees` checks:
    strings are escaped alike for every code point, integers alike up to 2^53 - 1 (orjson
    refuses the rest), members sorted alike while no key holds a character from U+D800 up
    (JCS sorts UTF-16 code units, orjson code points), and floats alike only some of the
    time (5.0, 1e16, 1e-6 differ), so each float is compared. Anything else, and anything
    orjson refuses, goes to rfc8785 (tests hold the two equal over generated documents).
    """
    if _agrees(document):
        try:
            return orjson.dumps(document, option=_ORJSON)
        except (orjson.JSONEncodeError, TypeError):
            pass  # e.g. an integer beyond 2^53 or a lone surrogate: rfc8785 says why
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise VerificationError("not_canonicalizable", str(exc)) from exc


def _agrees(document: Any) -> bool:
    """Whether orjson with sorted keys writes ``document`` exactly as RFC 8785 does (False
    also for whatever is not plain JSON data: rfc8785 then decides)."""
    pending = [document]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is dict:
            for key in value:
                if type(key) is not str or not (key.isascii() or max(key) < "\ud800"):
                    return False
            pending.extend(value.values())
        elif kind is list:
            pending.extend(value)
        elif kind is float:
            if not _float_agrees(value):
                return False
        elif kind not in _SCALARS:
            return False
    return True


@lru_cache(maxsize=4096, typed=True)
def _float_agrees(number: float) -> bool:
    try:
        return orjson.dumps(number) == rfc8785.dumps(number)
    except (rfc8785.CanonicalizationError, orjson.JSONEncodeError):
        return False


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
    """Verify a detached JWS over ``payload``; raise VerificationError unless it holds.

    The header is checked as :func:`header` does; the signature over the JWS signing input
    (RFC 7515 section 5.2: the protected header, a dot, the payload in base64url) by
    libsodium (PyNaCl), which verifies Ed25519 in half the CPU time of OpenSSL here (61
    against 115 us): this runs for every record a node receives. joserfc decodes the
    base64url strictly (no padding, no stray bits) as it does for its own verification.
    """
    header(token)  # three parts, the payload detached, exactly alg and kid
    protected, _, signature = token.split(".")
    if key.curve_name != ALGORITHM:
        raise VerificationError("bad_key", f"not an {ALGORITHM} key")
    try:
        raw_signature = urlsafe_b64decode(signature.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:  # as joserfc says it
        raise VerificationError("bad_signature", "the signature is not base64url") from exc
    signing_input = protected.encode("ascii") + b"." + urlsafe_b64encode(payload)
    try:
        _verifier(key.public_key.public_bytes_raw()).verify(signing_input, raw_signature)
    except (BadSignatureError, ValueError) as exc:  # ValueError: not 64 bytes
        raise VerificationError("bad_signature", "signature does not match the bytes") from exc


@lru_cache(maxsize=1024)
def _verifier(public: bytes) -> VerifyKey:
    return VerifyKey(public)
