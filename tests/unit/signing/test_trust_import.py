"""Importing a partner's JWK Set: places in the log are checked, retirements never undone."""

from __future__ import annotations

import pytest

from enforce_share.errors import InvalidInput
from enforce_share.signing.models import TrustedKey
from enforce_share.signing.trust import import_jwks

from ...conftest import root_of


def test_an_old_jwk_set_does_not_bring_a_retired_key_back(node, partner) -> None:
    old_set = partner.jwks()
    old_kid = old_set["keys"][0]["kid"]
    with node.transaction() as session:
        import_jwks(session, "USA", old_set, source="test")
    partner.rotate_key(root_of(partner))
    with node.transaction() as session:
        import_jwks(session, "USA", partner.jwks(), source="test")
        import_jwks(session, "USA", old_set, source="test")
    with node.reading() as session:
        retired = session.get(TrustedKey, old_kid)
        assert retired.until_seq == 2 and retired.retired_because == "not in root version 2"


@pytest.mark.parametrize("member, value", [("from_seq", "yesterday"), ("until_seq", "3")])
def test_a_bad_position_member_is_refused(node, partner, member, value) -> None:
    jwks = partner.jwks()
    jwks["keys"][0][member] = value
    with pytest.raises(InvalidInput) as caught, node.transaction() as session:
        import_jwks(session, "USA", jwks, source="test")
    assert member in str(caught.value.fields)
