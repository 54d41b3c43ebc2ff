"""Schemas of the HTTP API: request bodies, query arguments and responses."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .fields import AGENCIES, Agency, Choice, Pattern, RecordId, Timestamp
from .records import RECORD_TYPES, MarkingSchema, RecordSchema, Strict, body_errors


class DraftSchema(Strict):
    """POST /api/v1/records: what a writer supplies; the node adds id, origin, seq, created."""

    type = Choice(RECORD_TYPES, required=True)
    marking = fields.Nested(MarkingSchema, required=True)
    body = fields.Dict(required=True, metadata={"description": "Type-specific body"})
    supersedes = RecordId(allow_none=True, load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def _body(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("type") in RECORD_TYPES and "body" in data:
            errors = body_errors(data["type"], data["body"])
            if errors:
                raise ValidationError(errors)


class SignedRecordSchema(Schema):
    """A record with its detached JWS: ``{"record": {...}, "jws": "<header>..<signature>"}``."""

    record = fields.Nested(RecordSchema, required=True)
    jws = fields.String(required=True, metadata={"description": "Compact JWS, payload detached"})


class VersionSchema(Schema):
    id = fields.String(required=True)
    seq = fields.Integer(required=True)
    created = fields.String(required=True)


class RecordViewSchema(SignedRecordSchema):
    """One record as read: signed record, its hash, and every version of it held here."""

    hash = fields.String(required=True, metadata={"description": "SHA-256 of the JCS bytes"})
    latest = fields.String(required=True, metadata={"description": "Id of the newest version"})
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class RecordQuerySchema(Schema):
    """GET /api/v1/records query."""

    type = Choice(RECORD_TYPES)
    origin = Agency()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(max=200))
    include_superseded = fields.Boolean(load_default=False)


class RecordPageSchema(Schema):
    """A page of records, newest first, and the cursor of the next page."""

    items = fields.List(fields.Nested(SignedRecordSchema), required=True)
    next = fields.String(allow_none=True, required=True)


class LogSchema(Schema):
    seq = fields.Integer(required=True)
    head = fields.String(required=True)


class NodeSchema(Schema):
    """GET /api/v1/node."""

    agency = fields.String(required=True, validate=validate.OneOf(AGENCIES))
    current_kid = fields.String(required=True)
    kids = fields.List(fields.String(), required=True)
    log = fields.Nested(LogSchema, required=True)
    version = fields.String(required=True)


class CheckpointBodySchema(Schema):
    origin = fields.String(required=True)
    seq = fields.Integer(required=True)
    head = fields.String(required=True)
    issued = Timestamp(required=True)


class SignedCheckpointSchema(Schema):
    """A checkpoint with its detached JWS."""

    checkpoint = fields.Nested(CheckpointBodySchema, required=True)
    jws = fields.String(required=True)


class JWKSchema(Schema):
    kty = fields.String(required=True)
    crv = fields.String(required=True)
    x = fields.String(required=True)
    kid = fields.String(required=True)
    alg = fields.String(required=True)
    use = fields.String(required=True)
    valid_from = fields.String(required=True)
    valid_until = fields.String()
    revoked_at = fields.String()
    revocation_reason = fields.String()


class JWKSetSchema(Schema):
    """A JWK Set (RFC 7517) with validity members per key."""

    keys = fields.List(fields.Nested(JWKSchema), required=True)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    problems = fields.Dict(required=True, data_key="fields",
                           metadata={"description": "Field name -> problems"})
    request_id = fields.String(metadata={
        "description": "The request's X-Request-ID: quote it when reporting the error"})


class ErrorSchema(Schema):
    """Every error: ``{"error": {"code", "message", "fields"}}``."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class FeedQuerySchema(Schema):
    """GET /api/v1/feed query."""

    origin = Agency(required=True)
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class FeedPageSchema(Schema):
    """One page of a log for a partner node."""

    origin = fields.String(required=True)
    entries = fields.List(fields.Dict(), required=True, metadata={
        "description": "In seq order: {record, jws} or a placeholder {origin, seq, hash}"})
    checkpoint = fields.Nested(SignedCheckpointSchema, allow_none=True, required=True)
    next = fields.Integer(allow_none=True, required=True,
                          metadata={"description": "Pass as `after` for the next page"})


class OriginStatusSchema(Schema):
    origin = fields.String(required=True)
    held_seq = fields.Integer(required=True)
    peer_seq = fields.Integer(required=True)
    lag = fields.Integer(required=True, metadata={"description": "Records the peer has that "
                                                                 "this node does not"})
    last_success = fields.String(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)
    failures = fields.Integer(required=True)
    blocked_seq = fields.Integer(allow_none=True, required=True)


class PeerStatusSchema(Schema):
    peer = fields.String(required=True)
    quarantined = fields.Integer(required=True)
    origins = fields.List(fields.Nested(OriginStatusSchema), required=True)


class SyncStatusSchema(Schema):
    """GET /api/v1/sync/status."""

    held = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    peers = fields.List(fields.Nested(PeerStatusSchema), required=True)
    equivocations = fields.Integer(required=True)


class AuditQuerySchema(Schema):
    """GET /api/v1/audit query: newest first, filtered; ``before`` pages on."""

    user = Pattern(r"^[A-Za-z0-9:._-]{1,64}$", "Not an actor name.", metadata={
        "description": "An actor: user name, partner agency, node:<agency> or cli:<operator>"})
    record = RecordId()
    since = Timestamp(data_key="from")
    until = Timestamp(data_key="to")
    before = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class AuditEntrySchema(Schema):
    """One audit entry."""

    seq = fields.Integer(required=True)
    at = fields.String(required=True)
    actor = fields.String(required=True)
    role = fields.String(allow_none=True, required=True)
    action = fields.String(required=True)
    target = fields.Dict(required=True)
    source = fields.String(required=True)
    outcome = fields.String(required=True)
    request_id = fields.String(allow_none=True, required=True)
    hash = fields.String(required=True)


class AuditPageSchema(Schema):
    """A page of audit entries, newest first; ``next`` is the ``before`` of the next page."""

    items = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next = fields.Integer(allow_none=True, required=True)


class LoginSchema(Schema):
    """POST /api/v1/session: a user's name and password."""

    name = Pattern(r"^[a-z][a-z0-9._-]{1,63}$", "Not a user name.", required=True)
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=1024))


class SessionSchema(Schema):
    """The signed-in user, and the token to send as X-CSRF-Token with unsafe requests."""

    user = fields.String(required=True)
    role = fields.String(required=True)
    csrf_token = fields.String(required=True)
