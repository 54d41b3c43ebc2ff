"""Schemas of the brief API: which format, and for the bundle, which agency it is for."""

from __future__ import annotations

from marshmallow import fields, validate

from .fields import Agency
from .records import Strict

BRIEF_FORMATS = ("pdf", "html", "md", "bundle")


class BriefQuerySchema(Strict):
    format = fields.String(load_default="pdf", validate=validate.OneOf(BRIEF_FORMATS),
                           metadata={"description": "pdf, html or md: the brief; bundle: the "
                                                    "companion signed bundle (JSON Lines, the "
                                                    "offline-exchange format)."})
    for_ = Agency(data_key="for", metadata={
        "description": "format=bundle only: the agency it is for (records go in full where "
                       "that agency may see them); default the caller's."})
