"""Schemas of the standard exports: the query of an export, and the TAXII 2.1 filters."""

from __future__ import annotations

from marshmallow import fields, validate

from ..records.fields import MemberAgency, Pattern, Text, Timestamp
from ..records.schema import Strict
from ..search.schema import SearchQuerySchema

#: The most records one export holds, and how many it holds unless asked.
EXPORT_MAX, EXPORT_DEFAULT = 10_000, 1_000
#: TAXII pages: objects per page unless asked, and at most.
TAXII_DEFAULT, TAXII_MAX = 100, 1_000


class ExportQuerySchema(SearchQuerySchema):
    """GET /api/v1/export/...: the filters of GET /api/v1/search (``case=<id>``: a case and
    every record it lists); the first ``limit`` records in the search's order."""

    class Meta(SearchQuerySchema.Meta):
        exclude = ("cursor",)

    limit = fields.Integer(load_default=EXPORT_DEFAULT, validate=validate.Range(
        min=1, max=EXPORT_MAX), metadata={"description": "The most records to export (the "
                                                         "response's X-Total-Count says how "
                                                         "many matched)."})


class ExportBundleQuerySchema(ExportQuerySchema):
    """GET /api/v1/export/bundle: the export's filters, and the agency the bundle is for."""

    for_ = MemberAgency(data_key="for", metadata={
        "description": "The agency it is for: records go in full where it may see them (the "
                       "others are left out); default the caller's."})


def _listed(name: str, description: str) -> Pattern:
    """A TAXII ``match[<name>]`` filter: values separated by commas."""
    return Pattern(r"^[^,\s]{1,300}(,[^,\s]{1,300}){0,49}$", "1 to 50 values separated by "
                   "commas, no spaces.", data_key=f"match[{name}]",
                   metadata={"description": description})


class TaxiiObjectsQuerySchema(Strict):
    """GET .../objects/ and .../manifest/ (TAXII 2.1 sections 3.4 and 5.3)."""

    added_after = Timestamp(metadata={"description": "Only objects added after this time."})
    limit = fields.Integer(load_default=TAXII_DEFAULT, validate=validate.Range(
        min=1, max=TAXII_MAX))
    next = Text(500, metadata={"description": "The `next` of the previous page."})
    match_id = _listed("id", "STIX ids.")
    match_type = _listed("type", "STIX types (report, identity, threat-actor ...).")
    match_version = _listed("version", "last (default), first, all, or a `modified` time.")
    match_spec_version = _listed("spec_version", "2.1 (the only version served).")
