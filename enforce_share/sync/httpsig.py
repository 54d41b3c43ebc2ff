"""Node-to-node request authentication with HTTP Message Signatures (RFC 9421), Ed25519.

A requesting node names the node it asks in an ``Enforce-Share-Target`` header (the target's
agency code) and signs ``@method``, ``@authority``, ``@path``, ``@query`` and that header with
its current key, with the ``created`` time and a one-time ``nonce``. The serving node accepts
a request only if it covers all of these, the target is the serving node's own agency (so a
partner that receives a signed request cannot replay it to another node), the key is a
trusted key of a registered partner, ``created`` is within ±:data:`MAX_SKEW` of its clock, the
nonce was never seen, and the signature verifies. Every failure raises (fail closed).
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
from http_message_signatures.exceptions import HTTPMessageSignaturesException, InvalidSignature
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Unauthenticated, VerificationError
from ..signing.trust import TrustRegistry
from .models import SeenNonce

#: The header naming the node a request is for (its agency code); a covered component.
TARGET_HEADER = "Enforce-Share-Target"
#: Components every request signature must cover (RFC 9421 section 2; field names lowercase).
COVERED = ("@method", "@authority", "@path", "@query", TARGET_HEADER.lower())
#: The clock skew the protocol allows between nodes, either way: the one window for requests.
MAX_SKEW = timedelta(seconds=300)
LABEL = "es"
#: RFC 9421 ``tag``: names the application profile, so signatures for other uses never pass.
TAG = "enforce-share-feed"


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


class _Verifier(HTTPMessageVerifier):
    """The library's verifier with the protocol's clock rule for ``created``.

    The library's own rule allows 5 s into the future only; ours is ±:data:`MAX_SKEW`, checked
    here (before the signature, as the library does) so that one window governs both ways.
    """

    max_clock_skew = MAX_SKEW

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        created = sig_input.params.get("created")
        if type(created) is not int:
            raise InvalidSignature('the signature needs an integer "created" parameter')
        offset = created - datetime.now(UTC).timestamp()
        if abs(offset) > MAX_SKEW.total_seconds():
            raise InvalidSignature(
                f"created {abs(offset):.0f} s {'ahead of' if offset > 0 else 'behind'} this "
                f"node's clock: the protocol allows ±{MAX_SKEW.total_seconds():.0f} s")
        super().validate_created_and_expires(sig_input, max_age=None)  # ``expires``, if any


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


def sign_request(request: Any, kid: str, private: Ed25519PrivateKey, target: str, *,
                 created: datetime | None = None) -> None:
    """Address an outgoing request to the node of agency ``target`` and sign it: add the
    target, ``Signature-Input`` and ``Signature`` headers (``created`` defaults to now)."""
    request.headers[TARGET_HEADER] = target
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=_Resolver(private=private))
    signer.sign(request, key_id=kid, created=created or datetime.now(UTC),
                nonce=secrets.token_urlsafe(24), label=LABEL, tag=TAG,
                covered_component_ids=COVERED)


def authenticate(
    message: Message, session: Session, registry: TrustRegistry, partners: set[str], *,
    own: str,
) -> Caller:
    """The partner node that signed ``message`` for this node (agency ``own``);
    Unauthenticated otherwise.

    Records the nonce in ``session``: the caller's transaction must commit for the nonce to
    count as used.
    """
    if "Signature" not in message.headers or "Signature-Input" not in message.headers:
        raise Unauthenticated("request is not signed (RFC 9421 Signature headers missing)")
    if TARGET_HEADER not in message.headers:
        raise Unauthenticated(f"request names no target node: sign an {TARGET_HEADER} header "
                              "with the agency code of the node asked")
    verifier = _Verifier(signature_algorithm=algorithms.ED25519,
                         key_resolver=_Resolver(registry=registry))
    try:
        (result,) = verifier.verify(message, max_age=None, expect_label=LABEL,
                                    expect_tag=TAG, require_components=COVERED)
    except (HTTPMessageSignaturesException, VerificationError, ValueError) as exc:
        raise Unauthenticated(f"bad request signature: {exc}") from None
    target = result.covered_components[f'"{TARGET_HEADER.lower()}"']
    if target != own:
        raise Unauthenticated(f"request was signed for {target}, not for this node ({own}): "
                              "a request cannot be replayed to another node")
    params = result.parameters
    kid, nonce = str(params.get("keyid", "")), str(params.get("nonce", ""))
    if not nonce or len(nonce) > 64:
        raise Unauthenticated("request signature has no usable nonce")
    now = datetime.now(UTC)
    # A request is signed now, at no place in a log: its key must be one its agency has not
    # retired (as far as this node has followed that agency's log).
    entry = registry.entry(kid)
    try:
        entry.check_current(entry.agency)
    except VerificationError as exc:
        raise Unauthenticated(f"signing key not usable now: {exc.reason}") from None
    if entry.agency not in partners:
        raise Unauthenticated(f"{entry.agency} is not a partner of this node")
    _use_nonce(session, nonce, kid, now)
    return Caller(agency=entry.agency, kid=kid)


def _use_nonce(session: Session, nonce: str, kid: str, now: datetime) -> None:
    """Keep ``nonce`` until no request carrying it can be within the window again."""
    session.execute(delete(SeenNonce).where(SeenNonce.expires < now))
    try:
        with session.begin_nested():
            session.add(SeenNonce(nonce=nonce, kid=kid, expires=now + 2 * MAX_SKEW))
    except IntegrityError:
        raise Unauthenticated("request nonce was already used (replay)") from None
