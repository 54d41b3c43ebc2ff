"""Statements signed by k of n keys (JWS JSON Serialization, general syntax, detached), and
docs/protocol.md's worked examples of them, checked by jwcrypto and by the node's own rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from enforce_share.errors import VerificationError
from enforce_share.signing import statements
from enforce_share.signing.keys import generate_key
from enforce_share.signing.roots import keyring

PROTOCOL = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"
STATEMENT = {"statement": "disavowal", "agency": "GBR", "kid": "k" * 43, "runs": [[3, 5]],
             "reason": "test"}


def worked_examples() -> dict[str, Any]:
    """The documents and helpers the protocol's worked example defines, after running it."""
    text = PROTOCOL.read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(import json\n# protocol 3 worked examples.*?)```", text,
                         re.DOTALL)
    scope: dict[str, Any] = {}
    exec(compile(code, str(PROTOCOL), "exec"), scope)  # its asserts are a test of their own
    return scope


def test_the_worked_examples_verify_with_jwcrypto_and_with_the_node() -> None:
    pytest.importorskip("jwcrypto")
    scope = worked_examples()
    root1, root2 = scope["ROOT1"], scope["ROOT2"]
    old = keyring(root1["statement"]["root_keys"])
    assert statements.check_threshold(root2["statement"], root2["signatures"], old, 1, "GBR")
    tampered = {**root2["statement"], "version": 3}
    with pytest.raises(VerificationError) as caught:
        statements.check_threshold(tampered, root2["signatures"], old, 1, "GBR")
    assert caught.value.reason == "bad_signature"


def test_k_of_n_counts_distinct_keys_only() -> None:
    keys = [generate_key() for _ in range(3)]
    ring = {key.thumbprint(): key for key in keys}
    twice = statements.sign(STATEMENT, keys[:1]) * 2
    with pytest.raises(VerificationError) as caught:
        statements.check_threshold(STATEMENT, twice, ring, 2, "GBR")
    assert caught.value.reason == "below_threshold"
    two = statements.merge(statements.sign(STATEMENT, keys[:1]),
                           statements.sign(STATEMENT, keys[1:2]), twice)
    assert len(two) == 2
    assert statements.check_threshold(STATEMENT, two, ring, 2, "GBR") == set(list(ring)[:2])


def test_signatures_by_keys_outside_the_set_count_for_nothing() -> None:
    ours, theirs = generate_key(), generate_key()
    signed = statements.sign(STATEMENT, [theirs])
    assert statements.signers(STATEMENT, signed, {ours.thumbprint(): ours}) == set()


@pytest.mark.parametrize("signatures", [[], "x", [{"protected": "x"}],
                                        [{"protected": 1, "signature": "y"}],
                                        [{"protected": "e30", "signature": "y"}] * 33])
def test_a_malformed_signature_list_is_refused(signatures) -> None:
    with pytest.raises(VerificationError) as caught:
        statements.signers(STATEMENT, signatures, {})
    assert caught.value.reason in ("malformed_jws", "bad_header")
