"""Bodies of the records that carry trust: keys (protocol 2), roots, disavowals, membership.

A ``root``, ``disavowal`` or ``membership`` record carries a *statement* and the signatures
of root keys over it (JWS JSON Serialization, general syntax, detached payload: see
``signing.statements``): ``{"statement": {...}, "signatures": [{protected, signature}]}``.
Shapes only here; who must have signed, and what a statement may change, is
``signing.roots``' and ``signing.membership``'s to check.
"""

from __future__ import annotations

from typing import Any

from joserfc.jwk import OKPKey
from marshmallow import ValidationError, fields, validate, validates_schema

from ..members import MAX_MEMBERS
from .fields import Agency, Pattern, Strict, Text, Timestamp

#: Keys a root may hold, and online keys it may allow, at most.
MAX_ROOT_KEYS, MAX_ONLINE_KEYS = 16, 8
#: Runs of seqs one disavowal may name.
MAX_RUNS = 1000
_B64URL = r"^[A-Za-z0-9_-]+$"


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an Ed25519 public JWK (SHA-256, base64url): the key id."""
    return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}).thumbprint()


class PublicJWKSchema(Strict):
    """An Ed25519 public key as a JWK (RFC 8037); no private member is accepted."""

    kty = fields.String(required=True, validate=validate.Equal("OKP"))
    crv = fields.String(required=True, validate=validate.Equal("Ed25519"))
    x = Pattern(r"^[A-Za-z0-9_-]{43}$", "Not a base64url Ed25519 public key.", required=True)
    kid = Pattern(r"^[A-Za-z0-9_-]{43}$", "Not an RFC 7638 thumbprint (43 base64url characters).")
    alg = fields.String(validate=validate.Equal("Ed25519"))
    use = fields.String(validate=validate.Equal("sig"))

    @validates_schema
    def _kid_is_thumbprint(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "kid" in data and data["kid"] != jwk_thumbprint(data):
            raise ValidationError("Must be the RFC 7638 thumbprint of the key.", "kid")


def _distinct_keys(keys: list[dict[str, Any]], field: str) -> None:
    kids = [jwk_thumbprint(key) for key in keys]
    if len(set(kids)) != len(kids):
        raise ValidationError("A key is listed twice.", field)


def _keys(most: int, **kwargs: Any) -> fields.List:
    return fields.List(fields.Nested(PublicJWKSchema), validate=validate.Length(1, most),
                       **kwargs)


class KeySchema(Strict):
    """Protocol 2: a key announced by the online key before it (only before a log's root)."""

    kid = Text(100, required=True)
    jwk = fields.Nested(PublicJWKSchema, required=True)
    valid_from = Timestamp(required=True)
    valid_until = Timestamp()

    @validates_schema
    def _kid_is_thumbprint(self, data: dict[str, Any], **kwargs: Any) -> None:
        expected = jwk_thumbprint(data["jwk"])
        if data["kid"] != expected or data["jwk"].get("kid", expected) != expected:
            raise ValidationError(f"Must be the RFC 7638 thumbprint of jwk: {expected}", "kid")


class KeyRevocationSchema(Strict):
    """Protocol 2: an online key retired (only before a log's root)."""

    kid = Text(100, required=True)
    revoked_at = Timestamp(required=True)
    reason = Text(2000, required=True)


class AuditAnchorSchema(Strict):
    """The head of the writing node's audit trail (its SHA-256 chain) at the time: once in
    the signed log, partners hold it, and a rewritten trail no longer reaches it."""

    audit_head = Pattern(r"^[0-9a-f]{64}$", "Not a SHA-256 hex digest.", required=True)


class SignatureSchema(Strict):
    """One signature of the general JWS JSON Serialization, payload detached."""

    protected = Pattern(_B64URL, "Not base64url.", required=True,
                        validate=validate.Length(max=400))
    signature = Pattern(_B64URL, "Not base64url.", required=True,
                        validate=validate.Length(max=200))


class RootStatementSchema(Strict):
    """An agency's root, version ``version``: its root keys and how many must sign, the
    online keys allowed to sign its records and checkpoints from here on, its expiry."""

    statement = fields.String(required=True, validate=validate.Equal("root"))
    agency = Agency(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    expires = Timestamp(required=True)
    threshold = fields.Integer(required=True, strict=True,
                               validate=validate.Range(1, MAX_ROOT_KEYS))
    root_keys = _keys(MAX_ROOT_KEYS, required=True)
    online_keys = _keys(MAX_ONLINE_KEYS, required=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        _distinct_keys(data["root_keys"], "root_keys")
        _distinct_keys(data["online_keys"], "online_keys")
        if data["threshold"] > len(data["root_keys"]):
            raise ValidationError("More than the root keys there are.", "threshold")
        roots = {jwk_thumbprint(key) for key in data["root_keys"]}
        if roots & {jwk_thumbprint(key) for key in data["online_keys"]}:
            raise ValidationError("A root key is never an online key.", "online_keys")


class DisavowalStatementSchema(Strict):
    """An agency's root says the records at ``runs`` of its log signed by ``kid`` were not
    its own (a key compromised): they stay in the chain, and are never current."""

    statement = fields.String(required=True, validate=validate.Equal("disavowal"))
    agency = Agency(required=True)
    kid = Pattern(r"^[A-Za-z0-9_-]{43}$", "Not a key id.", required=True)
    runs = fields.List(fields.List(fields.Integer(strict=True, validate=validate.Range(
        1, 2**53 - 1)), validate=validate.Length(2, 2)), required=True,
        validate=validate.Length(1, MAX_RUNS),
        metadata={"description": "Inclusive [first, last] seq runs"})
    reason = Text(2000, required=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if any(first > last for first, last in data["runs"]):
            raise ValidationError("Each run is [first, last] with first <= last.", "runs")


class MemberSchema(Strict):
    """A member of the federation as the membership document lists it."""

    code = Agency(required=True)
    name = Text(200, required=True)
    url = Pattern(r"^https?://[!-~]{1,490}$", "Not an http(s) URL.")
    root_keys = _keys(MAX_ROOT_KEYS, required=True)
    threshold = fields.Integer(required=True, strict=True,
                               validate=validate.Range(1, MAX_ROOT_KEYS))

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        _distinct_keys(data["root_keys"], "root_keys")
        if data["threshold"] > len(data["root_keys"]):
            raise ValidationError("More than the root keys there are.", "threshold")


class MembershipStatementSchema(Strict):
    """The federation's members, in the order that gives each its audience bit, and the
    quorum of members whose roots must sign the next version."""

    statement = fields.String(required=True, validate=validate.Equal("membership"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    quorum = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_MEMBERS))
    members = fields.List(fields.Nested(MemberSchema), required=True,
                          validate=validate.Length(1, MAX_MEMBERS))

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        codes = [member["code"] for member in data["members"]]
        if len(set(codes)) != len(codes):
            raise ValidationError("A member is listed twice.", "members")
        if data["quorum"] > len(codes):
            raise ValidationError("More than the members there are.", "quorum")


def _signed(statement: type[Strict], description: str) -> type[Strict]:
    """The body schema of a record carrying a ``statement`` and its signatures."""
    return type(f"Signed{statement.__name__}", (Strict,), {
        "__doc__": description,
        "statement": fields.Nested(statement, required=True),
        "signatures": fields.List(fields.Nested(SignatureSchema), required=True,
                                  validate=validate.Length(1, 32)),
    })


RootSchema = _signed(RootStatementSchema, "A root statement and its root keys' signatures.")
DisavowalSchema = _signed(DisavowalStatementSchema,
                          "A disavowal statement and its root keys' signatures.")
MembershipSchema = _signed(MembershipStatementSchema,
                           "A membership statement and the signatures of members' roots.")
