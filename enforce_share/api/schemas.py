"""Schemas of the HTTP API: request bodies, query arguments and responses."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from ..members import CODE
from ..records.fields import Choice, MemberAgency, Pattern, RecordId, Timestamp
from ..records.schema import RECORD_TYPES, RecordSchema


class SignedRecordSchema(Schema):
    """A record with its detached JWS: ``{"record": {...}, "jws": "<header>..<signature>"}``."""

    record = fields.Nested(RecordSchema, required=True)
    jws = fields.String(required=True, metadata={"description": "Compact JWS, payload detached"})


class VersionSchema(Schema):
    id = fields.String(required=True)
    seq = fields.Integer(required=True)
    created = fields.String(required=True)
    disavowed = fields.Boolean(required=True)


class DisavowedSchema(Schema):
    """The disavowal naming a record: its origin's root said the key that signed it was not
    the origin's to use then (protocol section 9). The record stays, never current."""

    by = fields.String(required=True, metadata={"description": "Id of the disavowal record"})
    kid = fields.String(required=True)
    reason = fields.String(required=True)


class RecordViewSchema(SignedRecordSchema):
    """One record as read: signed record, its hash, and every version of it held here."""

    hash = fields.String(required=True, metadata={"description": "SHA-256 of the JCS bytes"})
    latest = fields.String(required=True, metadata={"description": "Id of the newest version"})
    versions = fields.List(fields.Nested(VersionSchema), required=True)
    disavowed = fields.Nested(DisavowedSchema, allow_none=True, required=True)


class RecordQuerySchema(Schema):
    """GET /api/v1/records query."""

    type = Choice(RECORD_TYPES)
    origin = MemberAgency()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(max=200))
    include_superseded = fields.Boolean(load_default=False)


class RecordPageSchema(Schema):
    """A page of records, newest first, and the cursor of the next page."""

    items = fields.List(fields.Nested(SignedRecordSchema), required=True)
    next = fields.String(allow_none=True, required=True)


class NodeSchema(Schema):
    """GET /api/v1/node: what anyone may learn (who the node is, its public keys); how many
    records its log holds is in the signed checkpoint, for users and partners."""

    agency = fields.String(required=True, validate=validate.Regexp(CODE))
    current_kid = fields.String(required=True)
    kids = fields.List(fields.String(), required=True)
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
    from_seq = fields.Integer(required=True, metadata={
        "description": "The first seq of the agency's log the key signs"})
    until_seq = fields.Integer(metadata={
        "description": "The seq from which it signs no more (it was retired there)"})
    retired_because = fields.String()


class JWKSetSchema(Schema):
    """A JWK Set (RFC 7517) with the run of log seqs each key signs."""

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


class CheckpointQuerySchema(Schema):
    """GET /api/v1/checkpoints/<origin> query."""

    seq = fields.Integer(validate=validate.Range(min=1, max=2**53 - 1), metadata={
        "description": "The checkpoint held at this seq (default: the newest held)"})


_SEQ = validate.Range(min=1, max=2**53 - 1)
_HASHES = fields.List(fields.String(), required=True, metadata={
    "description": "Base64 SHA-256 node hashes, leaf end first (RFC 9162 2.1.3, 2.1.4)"})


class InclusionQuerySchema(Schema):
    """GET /api/v1/logs/<origin>/proof/inclusion query."""

    seq = fields.Integer(required=True, validate=_SEQ,
                         metadata={"description": "The entry (leaf seq - 1 of the tree)"})
    size = fields.Integer(required=True, validate=_SEQ,
                          metadata={"description": "The tree: the log's first size entries"})

    @validates_schema
    def _in_tree(self, data: dict[str, Any], **_: Any) -> None:
        if "seq" in data and "size" in data and data["seq"] > data["size"]:
            raise ValidationError("At most size.", "seq")


class ConsistencyQuerySchema(Schema):
    """GET /api/v1/logs/<origin>/proof/consistency query."""

    first = fields.Integer(required=True, validate=_SEQ, data_key="from",
                           metadata={"description": "The older tree's size"})
    second = fields.Integer(required=True, validate=_SEQ, data_key="to",
                            metadata={"description": "The newer tree's size"})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if "first" in data and "second" in data and data["first"] > data["second"]:
            raise ValidationError("At most to.", "from")


class InclusionProofSchema(Schema):
    """An RFC 9162 inclusion proof of one entry (its leaf hash) in a tree of a log."""

    origin = fields.String(required=True)
    seq = fields.Integer(required=True)
    size = fields.Integer(required=True)
    leaf = fields.String(required=True, metadata={
        "description": "SHA-256(0x00 || the entry's stub hash), base64"})
    root = fields.String(required=True, metadata={"description": "The tree's root, base64"})
    proof = _HASHES


class ConsistencyProofSchema(Schema):
    """An RFC 9162 consistency proof between two trees of a log."""

    origin = fields.String(required=True)
    first = fields.Integer(required=True, data_key="from", attribute="from")
    second = fields.Integer(required=True, data_key="to", attribute="to")
    from_root = fields.String(required=True)
    to_root = fields.String(required=True)
    proof = _HASHES


class FeedQuerySchema(Schema):
    """GET /api/v1/feed query."""

    origin = MemberAgency(required=True)
    after = fields.Integer(validate=validate.Range(min=0, max=2**62),
                           metadata={"description": "The seq after which to start (default 0)"})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))
    seqs = DelimitedList(
        fields.Integer(validate=validate.Range(min=1, max=2**53 - 1)),
        validate=validate.Length(min=1, max=1000), metadata={
            "description": "Instead of after/limit: the entries at these seqs (comma "
                           "separated, at most 1000), those held, in seq order: how a node "
                           "asks again for records owed to it"})

    @validates_schema
    def _one_way(self, data: dict[str, Any], **_: Any) -> None:
        if "seqs" in data and "after" in data:
            raise ValidationError("Give seqs or after, not both.", "seqs")


class FeedPageSchema(Schema):
    """One page of a log for a partner node."""

    origin = fields.String(required=True)
    entries = fields.List(fields.Dict(), required=True, metadata={
        "description": "In seq order: {record, jws} or a placeholder, the record's stub "
                       "{origin, seq, id, hash, marking}"})
    checkpoint = fields.Nested(SignedCheckpointSchema, allow_none=True, required=True,
                               metadata={"description": "The origin's checkpoint at the "
                                         "page's last entry (the newest held if none)"})
    next = fields.Integer(allow_none=True, required=True,
                          metadata={"description": "Pass as `after` for the next page"})
    held = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The last seq of the log the serving node holds (unsigned: for "
                       "progress and lag; null in an answer to seqs)"})


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


class OriginHoldingsSchema(Schema):
    """What this node holds of one other origin's log."""

    held_seq = fields.Integer(required=True)
    full = fields.Integer(required=True, metadata={"description": "Records held in full"})
    not_for_us = fields.Integer(required=True, metadata={
        "description": "Placeholders whose attested marking does not release them here"})
    owed = fields.Integer(required=True, metadata={
        "description": "Placeholders of records released to this node, not yet arrived: "
                       "asked for again from every peer each round"})
    last_heard = fields.String(allow_none=True, required=True, metadata={
        "description": "issued of the newest checkpoint of the origin held"})
    silent_seconds = fields.Float(allow_none=True, required=True)
    stale = fields.Boolean(required=True)


class ForkSchema(Schema):
    """Evidence that an origin signed two histories (GET /api/v1/checkpoints/<origin>?seq=)."""

    origin = fields.String(required=True)
    seq = fields.Integer(required=True)
    peer = fields.String(required=True)
    detected = fields.String(required=True)


class AlarmSchema(Schema):
    """Something in sync that needs a person."""

    alarm = fields.String(required=True, metadata={"description": "stale, owed, equivocation"})
    origin = fields.String(required=True)
    last_heard = fields.String(allow_none=True)
    message = fields.String(required=True)


class SyncStatusSchema(Schema):
    """GET /api/v1/sync/status."""

    held = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    origins = fields.Dict(keys=fields.String(), values=fields.Nested(OriginHoldingsSchema),
                          required=True, metadata={"description": "Per other origin"})
    peers = fields.List(fields.Nested(PeerStatusSchema), required=True)
    equivocations = fields.Integer(required=True)
    forks = fields.List(fields.Nested(ForkSchema), required=True)
    alarms = fields.List(fields.Nested(AlarmSchema), required=True)


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


class AuditVerdictSchema(Schema):
    """GET /api/v1/audit/verify: the chain recomputed and held against the anchors."""

    entries = fields.Integer(required=True, metadata={"description": "Entries that hold"})
    head = fields.String(required=True)
    anchors = fields.Integer(required=True, metadata={
        "description": "Audit heads anchored in the node's signed log"})
    intact = fields.Boolean(required=True)
    problem = fields.String(allow_none=True, required=True)


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
