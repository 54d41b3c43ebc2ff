"""The search page: the query box and the filters of ``/api/v1/search`` as form fields, facets
that narrow the search, keyset pages, all held in the URL; saved searches."""

from __future__ import annotations

import calendar
import re
from typing import Any
from urllib.parse import urlencode

from flask import redirect, render_template, request, url_for

from ..access.roles import ANALYST
from ..api.auth import audited, node
from ..api.search import SavedSearchInSchema
from ..errors import Conflict, InvalidInput
from ..records.schema import ACTION_KINDS, PROCUREMENT_METHODS, VIOLATION_TYPES
from ..search.engine import Results
from ..search.query import LISTS, Query
from ..search.schema import SEARCHABLE_TYPES, SORTS
from .access import me, page
from .blueprint import bp

#: Filters typed into a text box, where several values may be given apart by commas.
TYPED = frozenset({"country", "hs", "eccn", "case", "actor"})
SCALARS = ("q", "name", "from", "to", "sort", "cursor")
PAGE_SIZE = 25
#: Facet -> the filter its values narrow.
FACET_FILTERS = {"type": "type", "origin": "origin", "country": "country",
                 "hs_chapter": "hs", "month": "month"}
CHOICES = {"type": SEARCHABLE_TYPES, "violation_type": VIOLATION_TYPES,
           "method": PROCUREMENT_METHODS, "action": ACTION_KINDS, "sort": SORTS}


def query_params(args: Any) -> dict[str, Any]:
    """The search's parameters as the API reads them, from a page's query string: empty
    fields dropped, typed lists split at commas, a month facet as its first and last day."""
    params: dict[str, Any] = {}
    for key in LISTS:
        values = [part.strip() for value in args.getlist(key)
                  for part in (re.split(r"[,\s]+", value) if key in TYPED and key != "actor"
                               else [value]) if part.strip()]
        if values:
            params[key] = list(dict.fromkeys(values))
    for key in SCALARS:
        if args.get(key, "").strip():
            params[key] = args[key].strip()
    month = args.get("month", "")
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", month) and 1 <= int(month[5:]) <= 12:
        last = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
        params["from"], params["to"] = f"{month}-01", f"{month}-{last:02d}"
    params["limit"] = PAGE_SIZE
    return params


def facet_links(params: dict[str, Any], facets: dict[str, dict[str, int]]) -> dict[str, list]:
    """Per facet, its values with counts, each with the URL narrowing the search to it (or,
    for a value already chosen, the URL without it)."""
    base = {key: value for key, value in params.items() if key not in ("cursor", "limit")}
    found = {}
    for facet, counts in facets.items():
        key = FACET_FILTERS[facet]
        rows = []
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:12]:
            chosen = value in base.get(key, []) if key != "month" else (
                base.get("from") == f"{value}-01")
            narrowed = dict(base)
            if key == "month":
                narrowed.pop("from", None), narrowed.pop("to", None)
                if not chosen:
                    narrowed["month"] = value
            else:
                others = [v for v in base.get(key, []) if v != value]
                narrowed[key] = others if chosen else [*others, value]
            rows.append({"value": value, "count": count, "chosen": chosen,
                         "url": url_for("web.search") + "?" + urlencode(narrowed, doseq=True)})
        found[facet] = rows
    return found


def page_of(results: Results) -> list[dict[str, Any]]:
    """The hits of a page as templates read them (their ids go into the audit entry)."""
    audited(records=[hit.row.id for hit in results.hits])
    return results.page()["items"]


@bp.route("/search")
@page(ANALYST)
def search() -> Any:
    """Search: with no parameter, the form alone."""
    return _search_page(query_params(request.args))


def _search_page(params: dict[str, Any], problems: dict[str, Any] | None = None) -> Any:
    context: dict[str, Any] = {"params": params, "choices": CHOICES, "problems": problems or {},
                               "area": "search"}
    if not set(params) - {"limit", "sort"}:
        return render_template("search.html", **context)
    try:
        results = node().search(Query.parse(params), me().agency)
    except InvalidInput as exc:  # a field, or a cursor of another search
        context["problems"] = exc.fields
        return render_template("search.html", **context), 422
    context.update(results=results, hits=page_of(results), relevance=_relevance(params),
                   facets=facet_links(params, results.facets),
                   next_url=_next_url(results.next), cases=_cases())
    return render_template("search.html", **context), 422 if problems else 200


def _relevance(params: dict[str, Any]) -> bool:
    """Whether results come in order of relevance (only then do scores differ)."""
    return params.get("sort", "relevance" if params.get("q") or params.get("name") else
                      "newest") == "relevance"


def _next_url(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    args = request.args.to_dict(flat=False)
    args["cursor"] = [cursor]
    return url_for("web.search") + "?" + urlencode(args, doseq=True)


def _cases() -> list[dict[str, Any]]:
    """The cases the viewer may see (newest first), to add results to."""
    return node().search(Query(type=("case",), limit=50), me().agency).page()["items"]


@bp.route("/searches", methods=["POST"])
@page(ANALYST)
def save_search() -> Any:
    """Save the search the page shows under a name (named as the API requires)."""
    params = query_params(request.form)
    params.pop("cursor", None)
    query = {key: value for key, value in params.items() if key != "limit"}
    problems = SavedSearchInSchema().validate(
        {"name": request.form.get("saved_name", "").strip(), "query": query})
    if problems:
        if "query" in problems:
            problems.update(problems.pop("query"))
        problems["saved_name"] = problems.pop("name", [])
        return _search_page(params, problems)
    try:
        kept = node().save_search(me().name, request.form["saved_name"].strip(),
                                  Query.parse(params))
    except Conflict as exc:
        return _search_page(params, {"saved_name": exc.fields.get("name", [exc.message])})
    audited(saved_search=str(kept.id))
    return redirect(url_for("web.saved_results", saved_id=kept.id))


@bp.route("/searches/<int:saved_id>")
@page(ANALYST)
def saved_results(saved_id: int) -> Any:
    """A saved search's results (``new=1``: only what is new since the last look); its first
    page counts as a look."""
    audited(saved_search=str(saved_id))
    kept, results = node().run_saved(me().name, saved_id, me().agency,
                                     only_new=request.args.get("new") == "1",
                                     cursor=request.args.get("cursor") or None)
    params = {**kept.query, "limit": PAGE_SIZE}
    next_url = None
    if results.next:
        next_url = url_for("web.saved_results", saved_id=saved_id,
                           new=request.args.get("new"), cursor=results.next)
    return render_template("search.html", params=params, choices=CHOICES, problems={},
                           results=results, relevance=_relevance(params),
                           hits=page_of(results), saved=kept,
                           only_new=request.args.get("new") == "1",
                           facets=facet_links(params, results.facets), next_url=next_url,
                           cases=_cases(), area="search")


@bp.route("/searches/<int:saved_id>/delete", methods=["POST"])
@page(ANALYST)
def delete_search(saved_id: int) -> Any:
    """Delete one of your saved searches."""
    audited(saved_search=str(saved_id))
    node().delete_search(me().name, saved_id)
    return redirect(url_for("web.home"))
