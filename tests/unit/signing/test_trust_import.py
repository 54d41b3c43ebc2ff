"""Importing a partner's JWK Set: validity is checked, revocations are never undone."""

from __future__ import annotations

import pytest

from enforce_share.errors import InvalidInput
from enforce_share.signing.models import TrustedKey
from enforce_share.signing.trust import import_jwks


def test_an_old_jwk_set_does_not_clear_a_revocation(node, partner) -> None:
    old_set = partner.jwks()
    old_kid = old_set["keys"][0]["kid"]
    with node.transaction() as session:
        import_jwks(session, "USA", old_set, source="test")
    partner.rotate_key()
    with node.transaction() as session:
        import_jwks(session, "USA", partner.jwks(), source="test")
        import_jwks(session, "USA", old_set, source="test")
    with node.reading() as session:
        assert session.get(TrustedKey, old_kid).revoked_at is not None


@pytest.mark.parametrize("member, value", [("valid_from", "yesterday"),
                                           ("revoked_at", "2026-11-22")])
def test_a_bad_validity_member_is_refused(node, partner, member, value) -> None:
    jwks = partner.jwks()
    jwks["keys"][0][member] = value
    with pytest.raises(InvalidInput) as caught, node.transaction() as session:
        import_jwks(session, "USA", jwks, source="test")
    assert member in str(caught.value.fields)
