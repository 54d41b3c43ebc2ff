"""A membership document given out of band: the founding one, or a version a quorum signed.

``{"statement": {"statement": "membership", ...}, "signatures": [...]}``, as a ``membership``
record's body carries it; checked with the same rules (``roots.check_membership``): the
founding version is signed by every member it lists, each at its root's threshold; a later
one by the quorum of the version held.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..errors import InvalidInput, VerificationError
from ..records.schema import body_errors
from ..records.verify import first_problem
from .announcements import install_membership
from .roots import check_membership
from .trust import TrustRegistry


def install(session: Session, document: Any) -> bool:
    """Verify and keep a membership document; True if it was a new version."""
    errors = body_errors("membership", document)
    if errors:
        raise InvalidInput(f"Not a membership document: {first_problem(errors)}", errors)
    try:
        if not check_membership(TrustRegistry.load(session), document["statement"],
                                document["signatures"]):
            return False
    except VerificationError as exc:
        raise InvalidInput(f"The membership document does not verify: {exc}",
                           {"signatures": [str(exc)]}) from exc
    return install_membership(session, document["statement"], document["signatures"],
                              "import")
