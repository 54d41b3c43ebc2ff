"""Tampering: every change to a record the node wrote is rejected with a specific reason."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from enforce_share.clock import timestamp
from enforce_share.errors import VerificationError
from enforce_share.partners import add_partner
from enforce_share.records.models import LogHead
from enforce_share.records.queries import get_record, signed
from enforce_share.records.verify import verify_signed_record
from enforce_share.signing import jws
from enforce_share.signing.keys import generate_key, load_private_key, public_jwk
from enforce_share.signing.models import RootVersion, TrustedKey
from enforce_share.signing.trust import import_jwks

from ...conftest import root_of


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def flip_char(text: str, index: int) -> str:
    """``text`` with the character at ``index`` replaced by another base64url character."""
    replacement = "B" if text[index] == "A" else "A"
    return text[:index] + replacement + text[index + 1:]


def with_header(document: dict[str, Any], header_json: bytes) -> dict[str, Any]:
    """The document with its protected header replaced by ``header_json`` (signature kept)."""
    _, _, signature = document["jws"].split(".")
    return {**document, "jws": f"{b64url(header_json)}..{signature}"}


def with_kid(document: dict[str, Any], kid: str) -> dict[str, Any]:
    header = json.dumps({"alg": "Ed25519", "kid": kid}, separators=(",", ":")).encode()
    return with_header(document, header)


def header_bytes(document: dict[str, Any]) -> bytes:
    return unb64url(document["jws"].split(".")[0])


def rejection(node, document: Any) -> str:
    """The reason verify_signed_record gives against the node's trust registry."""
    with pytest.raises(VerificationError) as caught:
        verify_signed_record(node.registry(), document)
    return caught.value.reason


@pytest.fixture
def document(node, drafts) -> dict[str, Any]:
    """An actor record written by the GBR node, read back in its wire form."""
    (row,) = node.add_records([drafts("actor")])
    with node.reading() as session:
        return signed(get_record(session, row.id))


@pytest.fixture
def usa_document(partner, drafts) -> dict[str, Any]:
    """A record written and signed by the USA partner node."""
    (row,) = partner.add_records([drafts("actor")])
    return signed(row)


@pytest.fixture
def trusting_node(node, partner):
    """The GBR node with the USA partner's keys in its trust registry."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    return node


def set_key_window(node, kid: str, **window: str) -> None:
    with node.transaction() as session:
        row = session.get(TrustedKey, kid)
        for name, value in window.items():
            setattr(row, name, value)


def test_a_stored_record_verifies(node, document) -> None:
    assert verify_signed_record(node.registry(), document) == document["record"]


# --- byte changes ----------------------------------------------------------------------------


def test_one_byte_changed_in_the_body_is_a_bad_signature(node, document) -> None:
    canonical = jws.canonical(document["record"]).decode()
    assert canonical.count("Tekhno") == 1
    changed = json.loads(canonical.replace("Tekhno", "Tekhnp"))
    assert rejection(node, {**document, "record": changed}) == "bad_signature"


@pytest.mark.parametrize("old, new, reason", [
    # The opening brace is gone: the header is not JSON, so it is refused before any key.
    (b'{"alg"', b'["alg"', "malformed_jws"),
    # Still JSON, but alg is no longer the one algorithm allowed.
    (b'"Ed25519"', b'"Ed25518"', "bad_header"),
    # Still JSON, but a member is not alg: the header must hold exactly alg and kid.
    (b'"alg"', b'"alh"', "bad_header"),
])
def test_one_byte_changed_in_the_header_is_refused_before_the_signature(
    node, document, old, new, reason
) -> None:
    header = header_bytes(document)
    assert header.count(old) == 1
    assert rejection(node, with_header(document, header.replace(old, new))) == reason


def test_one_byte_changed_in_the_kid_is_an_unknown_kid(node, document) -> None:
    header = json.loads(header_bytes(document))
    kid = header["kid"]
    assert rejection(node, with_kid(document, flip_char(kid, len(kid) // 2))) == "unknown_kid"


def test_one_character_changed_in_the_encoded_header_is_malformed(node, document) -> None:
    # "eyJ" encodes '{"'; another first character changes the brace so it is not JSON.
    assert document["jws"].startswith("eyJ")
    tampered = {**document, "jws": flip_char(document["jws"], 0)}
    assert rejection(node, tampered) == "malformed_jws"


@pytest.mark.parametrize("position", [0, 31, 63])
def test_one_byte_changed_in_the_signature_is_a_bad_signature(node, document, position) -> None:
    protected, _, signature = document["jws"].split(".")
    raw = bytearray(unb64url(signature))
    raw[position] ^= 0x01
    tampered = {**document, "jws": f"{protected}..{b64url(bytes(raw))}"}
    assert rejection(node, tampered) == "bad_signature"


def test_last_character_of_the_signature_cannot_be_changed_either(node, document) -> None:
    # The last base64url character carries 4 padding bits; a lenient decoder would ignore a
    # change to them and accept a different token string as the same signature.
    tampered = {**document, "jws": flip_char(document["jws"], len(document["jws"]) - 1)}
    assert rejection(node, tampered) == "bad_signature"


def test_a_record_tampered_in_the_database_fails_when_read_back(node, document) -> None:
    record_id = document["record"]["id"]
    with node.transaction() as session:
        canonical = session.scalar(sa.text("SELECT canonical FROM records WHERE id = :id"),
                                   {"id": record_id})
        session.execute(sa.text("UPDATE records SET canonical = :canonical WHERE id = :id"),
                        {"canonical": canonical.replace("Tekhno", "Tekhnp"), "id": record_id})
    with node.reading() as session:
        stored = signed(get_record(session, record_id))
    assert stored["record"]["body"]["name"].startswith("Tekhnp")
    assert rejection(node, stored) == "bad_signature"


# --- keys ------------------------------------------------------------------------------------


def test_kid_swapped_to_another_key_of_the_same_agency_is_a_bad_signature(node, document) -> None:
    other = public_jwk(generate_key())
    with node.transaction() as session:
        import_jwks(session, "GBR", {"keys": [other]}, source="test")
    assert rejection(node, with_kid(document, other["kid"])) == "bad_signature"


def test_kid_swapped_to_a_key_of_another_agency_is_wrong_agency(
    trusting_node, partner, document
) -> None:
    (usa_kid,) = [key["kid"] for key in partner.jwks()["keys"]]
    assert rejection(trusting_node, with_kid(document, usa_kid)) == "wrong_agency"


def test_an_untrusted_kid_is_unknown(node, document) -> None:
    assert rejection(node, with_kid(document, "no-such-key")) == "unknown_kid"


def test_a_partner_record_is_unknown_before_its_keys_are_trusted(node, usa_document) -> None:
    assert rejection(node, usa_document) == "unknown_kid"


def test_a_partner_record_verifies_once_its_keys_are_trusted(trusting_node, usa_document) -> None:
    assert verify_signed_record(trusting_node.registry(), usa_document)["origin"] == "USA"


def test_our_record_replayed_as_another_origin_is_wrong_agency(node, document) -> None:
    replayed = {**document, "record": {**document["record"], "origin": "USA"}}
    assert rejection(node, replayed) == "wrong_agency"


def test_a_usa_record_presented_as_gbr_is_wrong_agency(trusting_node, usa_document) -> None:
    replayed = {**usa_document, "record": {**usa_document["record"], "origin": "GBR"}}
    assert rejection(trusting_node, replayed) == "wrong_agency"


def signed_after_the_fact(node, kid: str, drafts, created: str | None = None
                          ) -> dict[str, Any]:
    """A record at the log's next seq signed with the private key ``kid`` (retired or not),
    dated ``created`` if given (a backdate)."""
    with node.reading() as session:
        seq = session.get(LogHead, "GBR").seq + 1
    record = drafts("actor").envelope("GBR", seq)
    if created:
        record["created"] = created
    key = load_private_key(node.config.keys_dir, kid)
    return {"record": record, "jws": jws.sign(jws.canonical(record), key, kid)}


def test_records_signed_before_a_rotation_still_verify(node, document) -> None:
    old_kid, _ = node.rotate_key(root_of(node))
    assert json.loads(header_bytes(document))["kid"] == old_kid
    assert verify_signed_record(node.registry(), document) == document["record"]


def test_a_retired_keys_record_is_refused_however_it_is_dated(node, document, drafts) -> None:
    """Issue 15: validity was judged at ``created``, which the signer chooses: a record the
    old key signed after `keys rotate`, dated just before the revocation, verified. A key is
    now valid for a run of seqs of its log, and the rotation ended its run."""
    old_kid, _ = node.rotate_key(root_of(node))
    backdated = signed_after_the_fact(node, old_kid, drafts, document["record"]["created"])
    assert rejection(node, backdated) == "key_retired"
    assert rejection(node, signed_after_the_fact(node, old_kid, drafts)) == "key_retired"


def test_the_new_key_signs_from_its_root_record_on(node, drafts) -> None:
    old_kid, new_kid = node.rotate_key(root_of(node))
    document = signed_after_the_fact(node, new_kid, drafts)
    assert verify_signed_record(node.registry(), document) == document["record"]
    with node.reading() as session:
        (root_seq,) = session.scalars(sa.select(RootVersion.seq).where(
            RootVersion.version == 2)).all()
        old, new = session.get(TrustedKey, old_kid), session.get(TrustedKey, new_kid)
    assert (old.until_seq, new.from_seq) == (root_seq, root_seq)


def test_a_key_before_its_place_in_the_log_is_refused(node, document) -> None:
    kid = json.loads(header_bytes(document))["kid"]
    set_key_window(node, kid, from_seq=document["record"]["seq"] + 1)
    assert rejection(node, document) == "key_not_yet_valid"


def test_a_key_after_its_place_in_the_log_is_refused(node, document) -> None:
    kid = json.loads(header_bytes(document))["kid"]
    set_key_window(node, kid, until_seq=document["record"]["seq"])
    assert rejection(node, document) == "key_retired"


def test_a_record_dated_ahead_of_the_clock_and_skew_is_refused(node, drafts) -> None:
    """``created`` is no later than the verifier's clock plus the protocol's 300 s skew."""
    kid = node.describe()["current_kid"]
    ahead = timestamp(datetime.now(UTC) + timedelta(seconds=400))
    assert rejection(node, signed_after_the_fact(node, kid, drafts, ahead)) == "from_the_future"
    near = timestamp(datetime.now(UTC) + timedelta(seconds=200))  # within the skew
    document = signed_after_the_fact(node, kid, drafts, near)
    assert verify_signed_record(node.registry(), document) == document["record"]


# --- shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    lambda record: record.pop("seq"),
    lambda record: record.update(seq="2"),
    lambda record: record.update(colour="blue"),
    lambda record: record.update(created="2026-11-22 10:00:00"),
    lambda record: record["body"].update(countries=["ZZ"]),
    lambda record: record["marking"].update(tlp="white"),
])
def test_a_record_failing_the_shape_schema_is_malformed(node, document, change) -> None:
    change(document["record"])
    assert rejection(node, document) == "malformed_record"


@pytest.mark.parametrize("wrap", [
    lambda document: {**document, "extra": 1},
    lambda document: {"record": document["record"]},
    lambda document: [document],
    lambda document: {**document, "jws": None},
])
def test_a_document_not_shaped_record_and_jws_is_malformed(node, document, wrap) -> None:
    assert rejection(node, wrap(document)) == "malformed_record"


def test_a_record_of_an_agency_that_is_no_member_is_refused(node, document) -> None:
    """FRA is an agency code, but not a member's (members.py): nothing it signs is taken."""
    assert rejection(node, {**document, "record": {**document["record"], "origin": "FRA"}}
                     ) == "not_a_member"
