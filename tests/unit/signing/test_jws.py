"""Detached JWS over RFC 8785 bytes: canonical form, hashes, round trip, interoperability."""

from __future__ import annotations

import base64
import hashlib
import json
import string
from datetime import datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws as joserfc_jws
from jwcrypto.jwk import JWK, JWKSet
from jwcrypto.jws import JWS, InvalidJWSSignature

from enforce_share.errors import VerificationError
from enforce_share.records.queries import signed
from enforce_share.signing import jws
from enforce_share.signing.keys import generate_key, kid_of
from enforce_share.signing.trust import TrustEntry, TrustRegistry

RECORD: dict[str, Any] = {
    "id": "3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "type": "actor", "origin": "GBR", "seq": 2,
    "created": "2026-11-22T10:00:00.000000Z", "supersedes": None,
    "marking": {"tlp": "amber", "releasable_to": ["GBR", "USA"]},
    "body": {"kind": "company", "name": "ООО Техно Трейд", "countries": ["AM"]},
}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hand_signed(key, header: dict[str, Any], payload: bytes) -> str:
    """A detached JWS with any protected header, validly signed with Ed25519 by hand."""
    protected = b64url(json.dumps(header).encode())
    # RFC 7797: with "b64": false the payload enters the signing input unencoded.
    encoded = payload if header.get("b64") is False else b64url(payload).encode()
    signature = key.private_key.sign(protected.encode() + b"." + encoded)
    return f"{protected}..{b64url(signature)}"


def exported_jwk(node, kid: str) -> JWK:
    """The public JWK of ``kid`` as jwcrypto reads it from the node's exported JWK Set."""
    return JWKSet.from_json(json.dumps(node.jwks())).get_key(kid)


def attach(document: dict[str, Any]) -> str:
    """RFC 7515 appendix F: put the base64url canonical payload back between the dots."""
    protected, _, signature = document["jws"].split(".")
    return f"{protected}.{b64url(jws.canonical(document['record']))}.{signature}"


@pytest.fixture
def key():
    return generate_key()


@pytest.fixture
def kid(key) -> str:
    return kid_of(key)


@pytest.fixture
def registry(key, kid) -> TrustRegistry:
    """A registry trusting ``key`` for GBR's whole log, built without a database."""
    return TrustRegistry({kid: TrustEntry(kid=kid, agency="GBR", key=key, from_seq=0,
                                          until_seq=None)})


@pytest.fixture
def token(key, kid) -> str:
    return jws.sign(jws.canonical(RECORD), key, kid)


def reason(registry: TrustRegistry, token: str, record: dict[str, Any] = RECORD) -> str:
    with pytest.raises(VerificationError) as caught:
        registry.verify_record(record, token)
    return caught.value.reason


# --- RFC 8785 canonical bytes ----------------------------------------------------------------


def test_canonical_sorts_keys_by_utf16_code_units() -> None:
    # RFC 8785 section 3.2.3: U+1F600 sorts as its surrogate pair D83D DE00, before U+FB33.
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    document = {name: index for index, name in enumerate(keys)}
    order = list(json.loads(jws.canonical(document)))
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_has_no_whitespace() -> None:
    assert jws.canonical({"b": [1, 2], "a": {"c": None}}) == b'{"a":{"c":null},"b":[1,2]}'


@pytest.mark.parametrize("number, text", [
    (1.0, b"1"), (-0.0, b"0"), (1e21, b"1e+21"), (1e-7, b"1e-7"), (0.000001, b"0.000001"),
    (333333333.33333329, b"333333333.3333333"), (48250.5, b"48250.5"),
])
def test_canonical_numbers_follow_ecmascript(number, text) -> None:
    assert jws.canonical(number) == text


def test_canonical_keeps_unicode_as_utf8() -> None:
    assert jws.canonical("ООО Техно é") == '"ООО Техно é"'.encode()


def test_canonical_escapes_only_what_json_requires() -> None:
    assert jws.canonical('"\\/\n\u000f') == b'"\\"\\\\/\\n\\u000f"'


def test_a_value_outside_i_json_is_refused() -> None:
    with pytest.raises(VerificationError) as caught:
        jws.canonical({"amount": float("nan")})
    assert caught.value.reason == "not_canonicalizable"


@pytest.mark.parametrize("value", [2**53, -(2**53), 2**64, float("inf"), "\ud800",
                                   {1: "a"}, {"when": datetime(2026, 12, 7)}])
def test_what_rfc8785_refuses_is_refused_though_orjson_would_write_it(value) -> None:
    with pytest.raises(VerificationError) as caught:
        jws.canonical({"value": value})
    assert caught.value.reason == "not_canonicalizable"


# Every JSON value: any text (astral characters, lone surrogates, controls), integers
# around the 2^53 edge, floats of every kind JCS and orjson print differently.
_numbers = st.one_of(st.integers(min_value=-(2**54), max_value=2**54),
                     st.floats(allow_nan=False, allow_infinity=False),
                     st.sampled_from([0.0, -0.0, 5.0, 1e16, 1e21, 1e20, 1e-6, 1e-7, 2**53 + 0.0]))
_json = st.recursive(
    st.none() | st.booleans() | _numbers | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30)


@settings(max_examples=2000, deadline=None)
@given(_json)
def test_canonical_writes_exactly_what_the_rfc8785_package_writes(document) -> None:
    try:
        expected = rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, ValueError, TypeError):
        with pytest.raises(VerificationError):
            jws.canonical(document)
        return
    assert jws.canonical(document) == expected


# --- record hash and log chain ---------------------------------------------------------------


def test_record_hash_is_sha256_hex_of_the_canonical_bytes() -> None:
    payload = jws.canonical({"b": 1, "a": "x"})
    assert payload == b'{"a":"x","b":1}'
    assert jws.record_hash(payload) == hashlib.sha256(b'{"a":"x","b":1}').hexdigest()


def test_chain_step_hashes_previous_head_and_record_hash_as_bytes() -> None:
    first, second = hashlib.sha256(b"first"), hashlib.sha256(b"second")
    head_1 = hashlib.sha256(bytes(32) + first.digest()).hexdigest()
    head_2 = hashlib.sha256(bytes.fromhex(head_1) + second.digest()).hexdigest()
    assert jws.next_head(jws.ZERO_HEAD, first.hexdigest()) == head_1
    assert jws.next_head(head_1, second.hexdigest()) == head_2


def test_stored_hash_is_the_hash_of_the_canonical_record(partner, drafts) -> None:
    (row,) = partner.add_records([drafts("actor")])
    assert row.canonical.encode() == jws.canonical(signed(row)["record"])
    assert row.record_hash == hashlib.sha256(row.canonical.encode()).hexdigest()


# --- signing and verification ----------------------------------------------------------------


def test_signature_is_detached_with_exactly_alg_and_kid(token, kid) -> None:
    protected, payload, signature = token.split(".")
    assert payload == ""
    assert json.loads(unb64url(protected)) == {"alg": "Ed25519", "kid": kid}
    assert len(unb64url(signature)) == 64


def test_sign_then_verify_returns_the_canonical_bytes(registry, token) -> None:
    assert registry.verify_record(RECORD, token) == jws.canonical(RECORD)


def test_signature_over_other_bytes_does_not_verify(registry, key, kid) -> None:
    other = jws.sign(jws.canonical({**RECORD, "seq": 3}), key, kid)
    assert reason(registry, other) == "bad_signature"


def test_a_signature_whose_last_character_carries_stray_bits_is_refused(registry,
                                                                         token) -> None:
    # 64 bytes are 86 base64url characters; the last holds two bits and four unused ones.
    # A lenient decoder reads "...A" and "...B" as the same signature: a second spelling
    # of one signed record, which a strict one refuses.
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    protected, _, signature = token.split(".")
    stray = alphabet[alphabet.index(signature[-1]) + 1]  # the same two bits, one unused set
    assert unb64url(signature[:-1] + stray) == unb64url(signature)  # as a lenient reader sees
    assert reason(registry, f"{protected}..{signature[:-1]}{stray}") == "bad_signature"


def test_an_ed25519_signature_of_another_length_is_refused(registry, token) -> None:
    protected, _, signature = token.split(".")
    assert reason(registry, f"{protected}..{b64url(unb64url(signature)[:63])}") == \
        "bad_signature"


def test_jwcrypto_verifies_a_stored_record_with_the_exported_jwk(partner, drafts) -> None:
    (row,) = partner.add_records([drafts("actor")])
    verifier = JWS()
    verifier.allowed_algs = ["Ed25519"]
    verifier.deserialize(attach(signed(row)), exported_jwk(partner, row.kid))
    assert verifier.jose_header == {"alg": "Ed25519", "kid": row.kid}
    assert verifier.payload == row.canonical.encode()


def test_jwcrypto_rejects_the_signature_over_changed_bytes(partner, drafts) -> None:
    (row,) = partner.add_records([drafts("actor")])
    document = signed(row)
    document["record"]["body"]["name"] += "."
    verifier = JWS()
    verifier.allowed_algs = ["Ed25519"]
    with pytest.raises(InvalidJWSSignature):
        verifier.deserialize(attach(document), exported_jwk(partner, row.kid))


def test_a_signature_made_by_jwcrypto_verifies_here(registry, key, kid) -> None:
    signer = JWS(jws.canonical(RECORD))
    signer.add_signature(JWK(**key.as_dict(private=True)), alg=None,
                         protected=json.dumps({"alg": "Ed25519", "kid": kid}))
    protected, _, signature = signer.serialize(compact=True).split(".")
    token = f"{protected}..{signature}"
    assert registry.verify_record(RECORD, token) == jws.canonical(RECORD)


# --- header and serialisation checks ---------------------------------------------------------


def test_a_hand_signed_token_with_the_plain_header_verifies(registry, key, kid) -> None:
    # The control for the refusals below: the helper makes real signatures.
    token = hand_signed(key, {"alg": "Ed25519", "kid": kid}, jws.canonical(RECORD))
    assert registry.verify_record(RECORD, token) == jws.canonical(RECORD)


@pytest.mark.parametrize("extra", [
    {"b64": False, "crit": ["b64"]},  # RFC 7797 unencoded payload
    {"crit": ["exp"], "exp": 1},
    {"jku": "http://127.0.0.1:9/jwks.json"},
    {"typ": "JOSE"},
])
def test_a_header_with_extra_members_is_refused(registry, key, kid, extra) -> None:
    token = hand_signed(key, {"alg": "Ed25519", "kid": kid, **extra},
                              jws.canonical(RECORD))
    assert reason(registry, token) == "bad_header"


def test_polymorphic_eddsa_is_refused_even_when_correctly_signed(registry, key, kid) -> None:
    token = hand_signed(key, {"alg": "EdDSA", "kid": kid}, jws.canonical(RECORD))
    assert reason(registry, token) == "bad_header"


def test_alg_none_is_refused(registry, kid) -> None:
    protected = b64url(json.dumps({"alg": "none", "kid": kid}).encode())
    assert reason(registry, f"{protected}..") == "bad_header"


def test_a_header_without_kid_is_refused(registry, key) -> None:
    token = hand_signed(key, {"alg": "Ed25519"}, jws.canonical(RECORD))
    assert reason(registry, token) == "bad_header"


def test_a_non_string_kid_is_refused(registry, key) -> None:
    token = hand_signed(key, {"alg": "Ed25519", "kid": 7}, jws.canonical(RECORD))
    assert reason(registry, token) == "bad_header"


def test_an_attached_payload_is_refused(registry, key, kid) -> None:
    attached = joserfc_jws.serialize_compact({"alg": "Ed25519", "kid": kid},
                                             jws.canonical(RECORD), key, ["Ed25519"])
    assert reason(registry, attached) == "malformed_jws"


@pytest.mark.parametrize("broken", ["", "abc", "a.b", "a..b..c", "%%%..AAAA"])
def test_a_token_that_is_not_compact_jws_is_refused(registry, broken) -> None:
    assert reason(registry, broken) == "malformed_jws"


def test_a_header_that_is_not_json_is_refused(registry) -> None:
    assert reason(registry, f"{b64url(b'alg=Ed25519')}..AAAA") == "malformed_jws"
