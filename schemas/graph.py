"""Schemas of the actor graph API: resolved entities, match candidates, analyses."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .fields import Country, RecordId, Text
from .records import Strict

ANALYSIS_FORMATS = ("json", "svg", "png")


class EntitiesQuerySchema(Strict):
    min_agencies = fields.Integer(load_default=1, validate=validate.Range(1, 5), metadata={
        "description": "Only entities reported by at least this many agencies."})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    after = Text(200, metadata={"description": "Entity id to continue after (the last one "
                                               "of the previous page)."})


class EntitySchema(Schema):
    id = fields.String(metadata={"description": "Stable: the id of its earliest actor record."})
    name = fields.String()
    members = fields.List(fields.String(), metadata={"description": "Actor record ids."})
    agencies = fields.List(fields.String())
    countries = fields.List(fields.String())
    listings = fields.List(fields.String())
    roles = fields.List(fields.String())
    violations = fields.Integer()


class EntityPageSchema(Schema):
    items = fields.List(fields.Nested(EntitySchema))
    next = fields.String(allow_none=True)


class MatchesQuerySchema(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 200))


class MatchSchema(Schema):
    actor = fields.String()
    entity = fields.String(allow_none=True)
    score = fields.Float()
    accepted = fields.Boolean()
    apart = fields.Boolean(metadata={"description": "Registry numbers conflict."})
    features = fields.Dict(metadata={"description": "What the score is made of."})


class ClustersQuerySchema(Strict):
    min_agencies = fields.Integer(load_default=2, validate=validate.Range(1, 5))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class ClusterSchema(Schema):
    id = fields.String()
    entities = fields.List(fields.String())
    agencies = fields.List(fields.String())
    violations = fields.Integer()
    listed = fields.List(fields.String())
    countries = fields.List(fields.String())


class PathsQuerySchema(Strict):
    from_ = RecordId(required=True, data_key="from", metadata={"description": "Actor id."})
    to = fields.String(load_default="listed", validate=validate.OneOf(("listed", "end_user")))
    list = Text(200, metadata={"description": "Only lists whose name contains this (SDN)."})
    country = Country(metadata={"description": "End users of this country (to=end_user)."})
    max_hops = fields.Integer(load_default=6, validate=validate.Range(1, 12))
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 100))


class HubsQuerySchema(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 500))


class NeighbourhoodQuerySchema(Strict):
    hops = fields.Integer(load_default=2, validate=validate.Range(1, 4))
    format = fields.String(load_default="json", validate=validate.OneOf(ANALYSIS_FORMATS))
