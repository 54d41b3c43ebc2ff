"""/api/v1/search and /api/v1/searches: find records, save searches, see what is new."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import RAISE, Schema, fields

from ..access.roles import ANALYST
from ..records.fields import Pattern
from ..records.schema import Strict
from ..search.engine import Results
from ..search.models import SavedSearch
from ..search.query import Query
from ..search.schema import SearchQuerySchema
from .auth import Blueprint, audited, node, principal
from .schemas import SignedRecordSchema

blp = Blueprint("search", __name__, url_prefix="/api/v1",
                description="Search records the caller's agency may see; saved searches")


class SearchHitSchema(SignedRecordSchema):
    verified = fields.Boolean(required=True, metadata={
        "description": "Signed with a key this node trusts and had not revoked by then."})
    score = fields.Float(required=True, metadata={
        "description": "Relevance 0-1 (text: title match 1, elsewhere 0.5; names: likeness)."})


class SearchPageSchema(Schema):
    """One page of results, the next page's cursor, and counts over every match."""

    items = fields.List(fields.Nested(SearchHitSchema), required=True)
    next = fields.String(allow_none=True, required=True)
    total = fields.Integer(required=True, metadata={"description": "Matches in all pages."})
    facets = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True, metadata={"description": "Per facet (origin, type, country, "
                                                 "hs_chapter, month): value -> matches."})


class SavedSearchInSchema(Strict):
    """POST /api/v1/searches: name a query to run again."""

    name = Pattern(r"^[\w .,:()-]{1,100}$", "1-100 letters, digits, spaces or .,:()-",
                   required=True)
    query = fields.Nested(SearchQuerySchema(exclude=("cursor",)), required=True)


class SavedSearchSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    query = fields.Dict(required=True)
    created = fields.String(required=True)
    last_seen_at = fields.String(allow_none=True, required=True)


class SavedRunQuerySchema(Schema):
    new = fields.Boolean(load_default=False, metadata={
        "description": "Only what is new since your last look at this search."})
    cursor = fields.String()


def page(results: Results) -> dict[str, Any]:
    """The response body of a results page (its record ids go into the audit entry)."""
    audited(records=[hit.row.id for hit in results.hits])
    return results.page()


def view(saved: SavedSearch) -> dict[str, Any]:
    return {"id": saved.id, "name": saved.name, "query": saved.query, "created": saved.created,
            "last_seen_at": saved.last_seen_at}


@blp.route("/search")
@blp.requires(ANALYST)
@blp.arguments(SearchQuerySchema, location="query", unknown=RAISE)  # a typo is no filter
@blp.response(200, SearchPageSchema)
def search(query: dict[str, Any]) -> dict[str, Any]:
    """Records matching every filter given, latest versions only; facets count all matches."""
    return page(node().search(Query.of(query), principal().agency))


@blp.route("/searches")
class SavedSearches(MethodView):
    @blp.requires(ANALYST)
    @blp.response(200, SavedSearchSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Your saved searches."""
        return [view(saved) for saved in node().saved_searches(principal().name)]

    @blp.requires(ANALYST)
    @blp.arguments(SavedSearchInSchema)
    @blp.response(201, SavedSearchSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Save a query under a name; what it finds now counts as seen."""
        saved = node().save_search(principal().name, body["name"], Query.of(body["query"]))
        audited(saved_search=str(saved.id))
        return view(saved)


@blp.route("/searches/<int:saved_id>", methods=["DELETE"])
@blp.requires(ANALYST)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_saved(saved_id: int) -> None:
    """Delete one of your saved searches."""
    audited(saved_search=str(saved_id))
    node().delete_search(principal().name, saved_id)


@blp.route("/searches/<int:saved_id>/results")
@blp.requires(ANALYST)
@blp.arguments(SavedRunQuerySchema, location="query")
@blp.response(200, SearchPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def run_saved(args: dict[str, Any], saved_id: int) -> dict[str, Any]:
    """Run a saved search (``new=true``: only what arrived or changed since your last look);
    a first page counts as a look."""
    audited(saved_search=str(saved_id))
    _, results = node().run_saved(principal().name, saved_id, principal().agency,
                                  only_new=args["new"], cursor=args.get("cursor"))
    return page(results)
