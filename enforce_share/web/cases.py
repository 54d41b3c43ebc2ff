"""Cases: a case with its records, timeline and network; writing one and adding records to
it from a search; its joint-investigation brief for liaison officers."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from ..access.roles import ANALYST, LIAISON
from ..api.auth import audited, node
from ..api.briefs import BRIEF_FORMATS
from ..briefs import timeline
from ..briefs.gather import Evidence, body
from ..briefs.service import make_brief
from ..errors import InvalidInput
from ..graph.picture import draw
from ..members import CURRENT_CODES as AGENCIES
from ..records.drafts import Draft
from ..records.service import record_view
from ..search.query import Query
from .access import me, page
from .blueprint import bp
from .services import case_evidence

PAGE_SIZE = 25


def evidence_of(case_id: str) -> Evidence:
    """What the brief of the case would use, for the viewer's agency (its latest version,
    its records, their parties and the actor network)."""
    found = case_evidence(node(), case_id, me().agency)
    audited(records=[row.id for row in found.ordered()])
    return found


@bp.route("/cases")
@page(ANALYST)
def cases() -> Any:
    """The cases this agency may see, newest first."""
    results = node().search(Query(type=("case",), limit=PAGE_SIZE,
                                  cursor=request.args.get("cursor") or None), me().agency)
    items = results.page()["items"]
    audited(records=[item["record"]["id"] for item in items])
    return render_template("cases.html", items=items, total=results.total,
                           next_cursor=results.next, area="cases")


@bp.route("/cases/<case_id>")
@page(ANALYST)
def case(case_id: str) -> Any:
    """A case: its records, timeline, network and brief."""
    evidence = evidence_of(case_id)
    events = timeline.events(evidence)
    rows = [{"record": _record(row), "tlp": row.tlp} for row in evidence.ordered()
            if row.id != evidence.case.id]
    return render_template("case.html", case=_record(evidence.case), rows=rows,
                           omitted=evidence.omitted, events=events,
                           entities=sorted(evidence.network.nodes(data=True),
                                           key=lambda pair: pair[1]["name"]),
                           formats=BRIEF_FORMATS, own=evidence.case.origin == node().agency,
                           area="cases")


def _record(row: Any) -> dict[str, Any]:
    return {"id": row.id, "type": row.type, "origin": row.origin, "body": body(row),
            "marking": {"tlp": row.tlp, "releasable_to": row.releasable_to}}


@bp.route("/cases/<case_id>/<any(timeline, network):picture>.svg")
@page(ANALYST)
def case_picture(case_id: str, picture: str) -> Response:
    """The case's timeline or actor network as a picture."""
    evidence = evidence_of(case_id)
    if picture == "timeline":
        svg = timeline.draw(timeline.events(evidence), "svg") or _EMPTY
    else:
        svg = draw(evidence.network, fmt="svg") if len(evidence.network) else _EMPTY
    return Response(svg, mimetype="image/svg+xml")


_EMPTY = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


@bp.route("/cases/add", methods=["POST"])
@page(ANALYST)
def add_to_case() -> Any:
    """Add records chosen in a search to one of this agency's cases: a new version of it."""
    chosen = request.form.getlist("records")
    latest = record_view(node(), request.form.get("case", ""), viewer=me().agency)
    case = record_view(node(), latest["latest"], viewer=me().agency)["record"]
    if case["type"] != "case" or case["origin"] != node().agency:
        raise InvalidInput("Records can be added only to a case of this agency",
                           {"case": [f"Not a case of {node().agency}."]})
    if not chosen:
        raise InvalidInput("Choose records to add", {"records": ["None chosen."]})
    held = case["body"].get("records", [])
    new_body = {**case["body"], "records": list(dict.fromkeys([*held, *chosen]))}
    (row,) = node().add_records([Draft("case", case["marking"], new_body,
                                       supersedes=case["id"])])
    audited(records=[row.id, *chosen])
    return redirect(url_for("web.case", case_id=row.id, added=len(new_body["records"]) - len(held)))


@bp.route("/cases/<case_id>/brief")
@page(LIAISON)
def brief(case_id: str) -> Response:
    """The brief of a case as a file: pdf, html, md, or the companion signed bundle."""
    fmt = request.args.get("format", "pdf")
    if fmt not in BRIEF_FORMATS:
        raise InvalidInput(f"Unknown brief format {fmt!r}", {"format": list(BRIEF_FORMATS)})
    recipient = request.args.get("for") or None
    if recipient is not None and recipient not in AGENCIES:
        raise InvalidInput("Unknown agency", {"for": [f"One of {', '.join(AGENCIES)}."]})
    made = make_brief(node(), case_id, me().agency, fmt,
                      recipient=recipient if fmt == "bundle" else None)
    audited(**made.audit_target())
    return Response(made.content, content_type=made.media_type, headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"'})
