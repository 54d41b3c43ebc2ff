"""Trends: shared violations over time by HS chapter, transit country and origin agency, and
procurement trends by method (the "trends in illicit procurement methods" the partnership
exchanges), each chart and bar a link to the search behind it."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from flask import jsonify, render_template, url_for

from ..access.roles import ANALYST
from ..api.auth import node
from ..graph.picture import colour
from ..node import Node
from ..records.service import records_page
from .access import me, page
from .blueprint import bp
from .present import country_name, words

#: The newest records of each type read for the charts (the page says so).
MAX_RECORDS = 20_000
MONTHS = 36
SERIES = 6
TTL = 60.0  # seconds a viewer's charts are kept in this process
_kept: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}


def _records(node: Node, viewer: str, record_type: str) -> Iterator[dict[str, Any]]:
    """The latest versions of ``record_type`` the viewer may see, newest first."""
    cursor, read = None, 0
    while read < MAX_RECORDS:
        items, cursor = records_page(node, viewer, type=record_type, limit=500, cursor=cursor)
        for item in items:
            yield item["record"]
        read += len(items)
        if cursor is None:
            return


def _chart(key: str, title: str, records: list[dict[str, Any]],
           month: Callable[[dict[str, Any]], str | None],
           values: Callable[[dict[str, Any]], set[str]], search: dict[str, Any],
           filter_name: str, label: Callable[[str], str] = str) -> dict[str, Any]:
    """Counts per month and value (the most frequent values, the rest as "other")."""
    per_month: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for record in records:
        day = month(record)
        if day:
            found = values(record)
            per_month[day[:7]].update(found)
            totals.update(found)
    labels = _months(sorted(per_month))[-MONTHS:]
    top = [value for value, _ in totals.most_common(SERIES)]
    series = [{"name": label(value), "value": value, "colour": colour(value),
               "counts": [per_month[m][value] for m in labels],
               "url": _search({**search, filter_name: value})} for value in top]
    rest = [sum(count for value, count in per_month[m].items() if value not in top)
            for m in labels]
    if any(rest):
        series.append({"name": "other", "value": None, "colour": "#999999", "counts": rest,
                       "url": _search(search)})
    return {"id": key, "title": title, "labels": labels, "series": series,
            "search": _search(search)}


def _months(seen: list[str]) -> list[str]:
    """Every month from the first seen to the last (a month with nothing is a gap to see)."""
    if not seen:
        return []
    year, month = int(seen[0][:4]), int(seen[0][5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= seen[-1]:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _search(params: dict[str, Any]) -> str:
    return url_for("web.search") + "?" + urlencode(params)


def trends_of(node: Node, viewer: str) -> dict[str, Any]:
    """Every chart of the page for users of ``viewer``'s agency."""
    held = _kept.get((id(node), viewer))
    if held and held[0] > time.monotonic():
        return held[1]
    violations = list(_records(node, viewer, "violation"))
    trends = list(_records(node, viewer, "procurement_trend"))
    detected = lambda r: r["body"].get("detected_on")  # noqa: E731
    charts = [
        _chart("hs", "Violations by HS chapter", violations, detected,
               lambda r: {item["hs_code"][:2] for item in r["body"].get("items", ())},
               {"type": "violation"}, "hs", lambda v: f"HS {v}"),
        _chart("transit", "Violations by transit country", violations, detected,
               lambda r: set(r["body"].get("route", [])[1:-1]), {"type": "violation"},
               "country", lambda v: f"{v} {country_name(v)}"),
        _chart("methods", "Procurement trends by method", trends,
               lambda r: (r["body"].get("period") or {}).get("start") or r["created"],
               lambda r: set(r["body"].get("methods", ())),
               {"type": "procurement_trend"}, "method", words),
        _chart("origin", "Violations by origin agency", violations, detected,
               lambda r: {r["origin"]}, {"type": "violation"}, "origin"),
    ]
    found = {"charts": charts, "violations": len(violations), "trends": len(trends),
             "capped": max(len(violations), len(trends)) >= MAX_RECORDS}
    _kept[(id(node), viewer)] = (time.monotonic() + TTL, found)
    return found


@bp.route("/trends")
@page(ANALYST)
def trends() -> Any:
    """The charts (drawn by static/js/trends.js from :func:`trends_data`), with their tables."""
    return render_template("trends.html", **trends_of(node(), me().agency), max=MAX_RECORDS,
                           area="trends")


@bp.route("/trends.json")
@page(ANALYST)
def trends_data() -> Any:
    """The charts' data."""
    return jsonify(trends_of(node(), me().agency))
