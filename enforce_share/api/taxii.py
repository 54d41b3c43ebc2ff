"""/taxii2/: a read-only TAXII 2.1 server of the STIX view, for partners' TIPs.

Discovery (``/taxii2/``), one API root (``/taxii2/api/``), its collections (one per TLP
level, see ``exports/taxii.py``), and each collection's objects and manifest with
``added_after``, ``limit``, ``next`` and ``match[id|type|version|spec_version]``. Callers
authenticate with a personal API token (analyst role or more), as ``Authorization: Bearer
<token>`` or, as TAXII 2.1 (section 1.6.8) asks servers to accept, HTTP Basic with the
token's user name and the token as password; they see what their agency may see, and every
request is audited. A refusal for want of credentials (401) names the Basic scheme.

TAXII is its own contract, so these endpoints are not in the OpenAPI document: they answer
``application/taxii+json;version=2.1`` and errors as TAXII error messages (``title``,
``http_status``, ``error_code``: our stable code, ``details``: the fields at fault, and
``error_id``: the request id). Bad filters are ``400``, as TAXII says.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response, g, request, url_for
from marshmallow import RAISE
from werkzeug.exceptions import HTTPException, NotAcceptable

from ..access.roles import ANALYST
from ..errors import Error, InvalidInput, NotFound, Unauthenticated
from ..exports import taxii
from ..exports.schema import TaxiiObjectsQuerySchema
from ..exports.service import taxii_page
from .auth import Blueprint, audited, node, principal
from .errors import HTTP_CODES

blp = Blueprint("taxii", __name__, url_prefix="/taxii2", basic_auth=True)
log = logging.getLogger(__name__)
ACCEPTED = ("application/taxii+json", "application/*", "*/*")
CHALLENGE = 'Basic realm="enforce-share TAXII"'  # RFC 7617
CODES = {**HTTP_CODES, 406: "not_acceptable"}


def answer(resource: dict[str, Any], status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    """A TAXII resource as its media type."""
    return Response(json.dumps(resource, ensure_ascii=False), status=status,
                    content_type=taxii.MEDIA_TYPE, headers=headers)


def error_message(status: int, code: str, title: str,
                  fields: dict[str, Any] | None = None) -> Response:
    """A TAXII 2.1 error message (section 3.6.1)."""
    body = {"title": title, "http_status": str(status), "error_code": code,
            "error_id": g.get("request_id"), "details": fields or {}}
    return answer({key: value for key, value in body.items() if value is not None}, status)


@blp.errorhandler(Error)
def _domain_error(error: Error) -> Response:
    if error.status >= 500:
        log.error("request %s: %s: %s", g.get("request_id", "-"), error.code, error.message)
        return error_message(error.status, "internal_error", "Internal error")
    status = 400 if isinstance(error, InvalidInput) else error.status
    response = error_message(status, error.code, error.message, error.fields)
    if isinstance(error, Unauthenticated):
        response.headers["WWW-Authenticate"] = CHALLENGE
    return response


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields = {key: value for problems in messages.values() if isinstance(problems, dict)
              for key, value in problems.items()}
    if status >= 500:
        log.exception("request %s: unhandled error", g.get("request_id", "-"))
        return error_message(status, "internal_error", "Internal error")
    status = 400 if status == 422 else status  # TAXII: bad filters are a bad request
    title = "Invalid input: " + ", ".join(sorted(fields)) if fields else error.description
    response = error_message(status, CODES.get(status, "error"), title or error.name,
                             fields)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@blp.before_request
def _acceptable() -> None:
    """406 unless the client accepts TAXII 2.1 (or anything)."""
    accepted = request.headers.get("Accept")
    if accepted and not any(kind.strip().startswith(ACCEPTED) and "version=2.0" not in kind
                            for kind in accepted.split(",")):
        raise NotAcceptable(f"This server answers {taxii.MEDIA_TYPE}")


def _collection(collection_id: str) -> str:
    if collection_id not in taxii.COLLECTIONS:
        raise NotFound(f"No collection {collection_id}", {"collection": ["No such collection."]})
    return collection_id


@blp.route("/")
@blp.requires(ANALYST)
def discovery() -> Response:
    """The discovery resource: this node's one API root."""
    root = url_for("taxii.api_root", _external=True)
    return answer({"title": f"enforce-share node {node().agency}",
                   "description": "Export-enforcement records as STIX 2.1, one collection "
                                  "per TLP level, as your agency may see them.",
                   "default": root, "api_roots": [root]})


@blp.route(f"/{taxii.ROOT}/")
@blp.requires(ANALYST)
def api_root() -> Response:
    """The API root resource."""
    return answer({"title": "enforce-share records",
                   "description": "Violations, procurement trends, actors, cases and links.",
                   "versions": [taxii.MEDIA_TYPE],
                   "max_content_length": node().config.max_body_bytes})


@blp.route(f"/{taxii.ROOT}/collections/")
@blp.requires(ANALYST)
def collections() -> Response:
    """The collections: one per TLP level."""
    return answer({"collections": [taxii.collection(cid) for cid in taxii.COLLECTIONS]})


@blp.route(f"/{taxii.ROOT}/collections/<collection_id>/")
@blp.requires(ANALYST)
def collection(collection_id: str) -> Response:
    """One collection."""
    return answer(taxii.collection(_collection(collection_id)))


def _page(query: dict[str, Any], collection_id: str) -> taxii.Page:
    found = taxii_page(node(), principal().agency, _collection(collection_id),
                       taxii.Filters.of(query), query["limit"], query.get("next"))
    audited(collection=taxii.COLLECTIONS[collection_id], records=found.records)
    return found


def _paged(found: taxii.Page, objects: list[dict[str, Any]]) -> Response:
    """An envelope (or manifest) with its paging fields and date-added headers."""
    body: dict[str, Any] = {"more": found.more}
    if found.next:
        body["next"] = found.next
    if objects:
        body["objects"] = objects
    headers = {"X-TAXII-Date-Added-First": found.items[0][0],
               "X-TAXII-Date-Added-Last": found.items[-1][0]} if found.items else {}
    return answer(body, headers=headers)


@blp.route(f"/{taxii.ROOT}/collections/<collection_id>/objects/")
@blp.requires(ANALYST)
@blp.arguments(TaxiiObjectsQuerySchema, location="query", unknown=RAISE)
def objects(query: dict[str, Any], collection_id: str) -> Response:
    """A page of the collection's objects, oldest added first."""
    found = _page(query, collection_id)
    return _paged(found, [item for _, item in found.items])


@blp.route(f"/{taxii.ROOT}/collections/<collection_id>/manifest/")
@blp.requires(ANALYST)
@blp.arguments(TaxiiObjectsQuerySchema, location="query", unknown=RAISE)
def manifest(query: dict[str, Any], collection_id: str) -> Response:
    """A page of the collection's manifest: id, date added, version and media type."""
    found = _page(query, collection_id)
    return _paged(found, [taxii.manifest_entry(added, item) for added, item in found.items])
