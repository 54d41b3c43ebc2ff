"""Writing records in forms: violation, procurement trend, actor, case and link, each with
the marking chooser. The form is checked by the API's own schema; on a problem the form
comes back with it next to the field (422) and nothing is stored."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from ..access.roles import ANALYST
from ..api.auth import audited, node
from ..errors import InvalidInput, NotFound
from ..records.drafts import Draft
from ..records.schema import DraftSchema
from ..records.service import record_view
from .access import me, page
from .blueprint import bp
from .forms import FORMS, form_values, problem_at, problem_text, read_body

TITLES = {"violation": "Violation", "procurement_trend": "Procurement trend",
          "actor": "Actor", "case": "Case", "link": "Link between two records"}


@bp.route("/write")
@page(ANALYST)
def write() -> Any:
    """Which kind of record to write."""
    return render_template("write_index.html", titles=TITLES, area="write")


def _form(record_type: str, values: dict[str, Any], marking: dict[str, Any],
          problems: dict[str, Any] | None = None, supersedes: str | None = None,
          status: int = 200) -> Any:
    return render_template("write.html", record_type=record_type, title=TITLES[record_type],
                           fields=FORMS[record_type], values=values, marking=marking,
                           problems=problems or {}, problem_at=problem_at,
                           problem_text=problem_text,
                           supersedes=supersedes, area="write"), status


def _default_marking() -> dict[str, Any]:
    """Fail closed: amber, for this agency alone, until the writer widens it."""
    return {"tlp": "amber", "releasable_to": [me().agency]}


@bp.route("/write/<any(violation, procurement_trend, actor, case, link):record_type>")
@page(ANALYST)
def write_form(record_type: str) -> Any:
    """An empty form (a case may start from records: ``?records=<id>``)."""
    body = {"records": request.args.getlist("records")} if record_type == "case" else {}
    if record_type == "link":
        body = {key: request.args[key] for key in ("from", "to", "relation")
                if key in request.args}
    return _form(record_type, form_values(record_type, body), _default_marking())


@bp.route("/records/<record_id>/edit")
@page(ANALYST)
def edit(record_id: str) -> Any:
    """A form holding the latest version of a record: saving it writes a new version."""
    view = record_view(node(), record_id, viewer=me().agency)
    latest = record_view(node(), view["latest"], viewer=me().agency)["record"]
    if latest["type"] not in FORMS or latest["origin"] != node().agency:
        raise NotFound("Only this agency's own records get new versions here",
                       {"id": ["Not a record of this agency."]})
    audited(records=[latest["id"]])
    return _form(latest["type"], form_values(latest["type"], latest["body"]),
                 latest["marking"], supersedes=latest["id"])


@bp.route("/write/<any(violation, procurement_trend, actor, case, link):record_type>",
          methods=["POST"])
@page(ANALYST)
def write_record(record_type: str) -> Any:
    """Check the form as the API checks a draft; sign and store it, or show the problems."""
    body = read_body(record_type, request.form)
    marking = {"tlp": request.form.get("tlp", ""),
               "releasable_to": request.form.getlist("releasable_to")}
    supersedes = request.form.get("supersedes") or None
    draft = {"type": record_type, "marking": marking, "body": body, "supersedes": supersedes}
    try:
        (row,) = node().add_records([Draft(**DraftSchema().load(draft))])
    except (ValidationError, InvalidInput) as exc:
        problems = exc.messages if isinstance(exc, ValidationError) else exc.fields
        return _form(record_type, form_values(record_type, body), marking, problems,
                     supersedes, 422)
    audited(records=[row.id])
    if record_type == "case":
        return redirect(url_for("web.case", case_id=row.id))
    return redirect(url_for("web.record", record_id=row.id, written=1))
