"""Stubs and entry hashes (docs/protocol.md section 7): the bytes every partner must agree on."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from enforce_share.errors import VerificationError
from enforce_share.markings import TLP_ORDER
from enforce_share.members import FOUNDING
from enforce_share.records.entries import checked_stub, entry_hash, is_placeholder, stub

PROTOCOL = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"

stubs = st.builds(
    stub, st.sampled_from(FOUNDING.codes), st.integers(1, 2**53 - 1), st.uuids(version=4).map(str),
    st.binary(min_size=32, max_size=32).map(bytes.hex), st.sampled_from(TLP_ORDER),
    st.lists(st.sampled_from(FOUNDING.codes), min_size=1, unique=True))


@given(stubs)
def test_the_entry_hash_is_sha256_of_the_rfc8785_bytes(entry) -> None:
    assert entry_hash(checked_stub(entry)) == hashlib.sha256(rfc8785.dumps(entry)).hexdigest()


@given(stubs)
def test_a_stub_is_a_placeholder_and_a_signed_record_is_not(entry) -> None:
    assert is_placeholder(entry)
    assert not is_placeholder({"record": {}, "jws": ""})


GOOD = stub("GBR", 2, "6f1c2a9e-4b7d-4c3e-9a51-2d8e7f0b1c44", "ab" * 32, "green", ["GBR", "USA"])


@pytest.mark.parametrize("change", [
    {"seq": 0}, {"seq": 2**53}, {"seq": "2"}, {"seq": 2.0}, {"origin": "FRA"},
    {"hash": "AB" * 32}, {"hash": "ab" * 31}, {"id": "not-a-uuid"},
    {"marking": {"tlp": "white", "releasable_to": ["GBR"]}},
    {"marking": {"tlp": "green", "releasable_to": []}},
    {"marking": {"tlp": "green", "releasable_to": ["GBR", "GBR"]}},
    {"marking": {"tlp": "green", "releasable_to": ["GBR"], "extra": 1}},
    {"marking": {"tlp": "green", "releasable_to": ["gbr"]}},
    {"extra": True},
])
def test_a_malformed_stub_is_refused(change) -> None:
    with pytest.raises(VerificationError) as caught:
        checked_stub({**GOOD, **change})
    assert caught.value.reason == "malformed_entry"


def test_a_version_1_placeholder_is_refused() -> None:
    with pytest.raises(VerificationError):
        checked_stub({"origin": "GBR", "seq": 2, "hash": "ab" * 32})


def test_the_protocol_documents_worked_example_runs() -> None:
    """docs/protocol.md's Python example (a standard JOSE library, the stub, the chain) holds."""
    pytest.importorskip("jwcrypto")
    text = PROTOCOL.read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(import hashlib\n.*?)```", text, re.DOTALL)
    exec(compile(code, str(PROTOCOL), "exec"), {})  # its asserts are the test


def test_the_worked_examples_entry_hashes_are_the_documents() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    second = stub("GBR", 2, "6f1c2a9e-4b7d-4c3e-9a51-2d8e7f0b1c44",
                  "2ee2d7144515dac28ca45374987d892ad5ce45795f77f9a11a471348786979b1", "green",
                  ["GBR", "USA"])
    assert rfc8785.dumps(second).decode() in text
    assert f"entry hash `{entry_hash(second)}`" in text
