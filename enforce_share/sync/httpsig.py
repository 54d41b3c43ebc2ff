"""Node-to-node request authentication with HTTP Message Signatures (RFC 9421), Ed25519.

A requesting node signs ``@method``, ``@path`` and ``@query`` with its current key, with the
``created`` time and a one-time ``nonce``. The serving node accepts a request only if the key
is a trusted key of a registered partner, valid now, ``created`` is within ±300 s, the nonce
was never seen, and the signature verifies. Every failure raises (fail closed).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from sqlalchemy import DateTime, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base
from ..errors import Unauthenticated, VerificationError
from ..signing.trust import TrustRegistry

COVERED = ("@method", "@path", "@query")
MAX_SKEW = timedelta(seconds=300)
LABEL = "es"
#: RFC 9421 ``tag``: names the application profile, so signatures for other uses never pass.
TAG = "enforce-share-feed"


class SeenNonce(Base):
    """Nonces accepted in the last ``MAX_SKEW`` window: a replay finds its nonce here."""

    __tablename__ = "seen_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    kid: Mapped[str] = mapped_column(String(100))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class _Resolver(HTTPSignatureKeyResolver):
    """Keys for the library: our private key when signing, the trust registry when verifying."""

    def __init__(self, private: Ed25519PrivateKey | None = None,
                 registry: TrustRegistry | None = None) -> None:
        self.private, self.registry = private, registry

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if self.private is None:
            raise Unauthenticated("no private key to sign with")
        return self.private

    def resolve_public_key(self, key_id: str) -> Any:
        if self.registry is None:
            raise Unauthenticated("no trust registry to verify with")
        return self.registry.entry(key_id).key.get_op_key("verify")


@dataclass(frozen=True)
class Caller:
    """The authenticated partner node of a request."""

    agency: str
    kid: str


@dataclass(frozen=True)
class Message:
    """What the library reads of a request: method, full URL, headers."""

    method: str
    url: str
    headers: Any


def sign_request(request: Any, kid: str, private: Ed25519PrivateKey) -> None:
    """Add ``Signature-Input`` and ``Signature`` headers to an outgoing request."""
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=_Resolver(private=private))
    signer.sign(request, key_id=kid, created=datetime.now(UTC), nonce=secrets.token_urlsafe(24),
                label=LABEL, tag=TAG, covered_component_ids=COVERED)


def authenticate(
    message: Message, session: Session, registry: TrustRegistry, partners: set[str]
) -> Caller:
    """The partner node that signed ``message``; Unauthenticated otherwise.

    Records the nonce in ``session``: the caller's transaction must commit for the nonce to
    count as used.
    """
    if "Signature" not in message.headers or "Signature-Input" not in message.headers:
        raise Unauthenticated("request is not signed (RFC 9421 Signature headers missing)")
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                   key_resolver=_Resolver(registry=registry))
    try:
        (result,) = verifier.verify(message, max_age=MAX_SKEW, expect_label=LABEL,
                                    expect_tag=TAG, require_components=COVERED)
    except (HTTPMessageSignaturesException, VerificationError, ValueError) as exc:
        raise Unauthenticated(f"bad request signature: {exc}") from None
    params = result.parameters
    kid, nonce = str(params.get("keyid", "")), str(params.get("nonce", ""))
    now = datetime.now(UTC)
    created = datetime.fromtimestamp(int(params.get("created", 0)), UTC)
    if abs(now - created) > MAX_SKEW:
        raise Unauthenticated("request signature is stale or from the future")
    if not nonce or len(nonce) > 64:
        raise Unauthenticated("request signature has no usable nonce")
    entry = registry.entry(kid)
    try:
        entry.check_usable(entry.agency, now)
    except VerificationError as exc:
        raise Unauthenticated(f"signing key not usable now: {exc.reason}") from None
    if entry.agency not in partners:
        raise Unauthenticated(f"{entry.agency} is not a partner of this node")
    _use_nonce(session, nonce, kid, now)
    return Caller(agency=entry.agency, kid=kid)


def _use_nonce(session: Session, nonce: str, kid: str, now: datetime) -> None:
    session.execute(delete(SeenNonce).where(SeenNonce.expires < now))
    try:
        with session.begin_nested():
            session.add(SeenNonce(nonce=nonce, kid=kid, expires=now + 2 * MAX_SKEW))
    except IntegrityError:
        raise Unauthenticated("request nonce was already used (replay)") from None
