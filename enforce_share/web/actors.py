"""Actor and entity pages: the entity formed across agencies, the candidate matches with the
features that explain each score, and an analyst's "same as" / "not the same" judgement,
written as a signed link record, as through the API."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from ..access.roles import ANALYST
from ..api.auth import audited, node
from ..errors import InvalidInput, NotFound
from ..markings import combined
from ..records.drafts import Draft
from ..records.schema import DraftSchema
from .access import me, page
from .blueprint import bp
from .services import records_by_id

MATCHES_SHOWN = 20


def entity_of(record_id: str) -> dict[str, Any]:
    """The entity an actor record belongs to in the viewer's graph, with its members' records
    (NotFound for an actor the viewer may not see, or a record that is no actor)."""
    graph = node().graph.network(me().agency, [record_id])
    if not len(graph):
        raise NotFound(f"No actor {record_id}", {"id": ["No such actor."]})
    (entity_id, data), = graph.nodes(data=True)
    members = records_by_id(node(), list(data["members"]), me().agency)
    return {"id": entity_id, **data, "records": [seen for seen in members.values() if seen]}


@bp.route("/actors/<record_id>")
@page(ANALYST)
def actor(record_id: str) -> Any:
    """An actor as the partnership knows it: every agency's record of the same entity."""
    return _actor_page(record_id)


def _actor_page(record_id: str, problems: dict[str, Any] | None = None,
                status: int = 200) -> Any:
    entity = entity_of(record_id)
    matches = node().graph.matches(me().agency, record_id, MATCHES_SHOWN)
    others = records_by_id(node(), [match["actor"] for match in matches], me().agency)
    members = {seen["record"]["id"] for seen in entity["records"]}
    audited(records=[*members, *(match["actor"] for match in matches)])
    own = next((seen for seen in entity["records"] if seen["record"]["id"] == record_id),
               None) or records_by_id(node(), [record_id], me().agency)[record_id]
    defaults = {match["actor"]: _judgement_marking(own, others.get(match["actor"]))
                for match in matches}
    return render_template("actor.html", entity=entity, record=own["record"] if own else None,
                           record_id=record_id, matches=matches, others=others,
                           members=members, defaults=defaults, problems=problems or {},
                           area="network"), status


def _judgement_marking(one: dict[str, Any] | None, other: dict[str, Any] | None
                       ) -> dict[str, Any]:
    """A judgement names both actors: by default marked no wider than either."""
    marks = [(seen["record"]["marking"]["tlp"], seen["record"]["marking"]["releasable_to"])
             for seen in (one, other) if seen]
    tlp, agencies = combined(marks)
    return {"tlp": tlp, "releasable_to": agencies or [me().agency]}


@bp.route("/actors/<record_id>/judgements", methods=["POST"])
@page(ANALYST)
def judge(record_id: str) -> Any:
    """Record that another actor is, or is not, the same as this one: a signed link record
    (``same_as`` / ``not_same_as``) that overrides the scorer."""
    other = request.form.get("other", "").strip()
    relation = request.form.get("relation", "")
    draft = {"type": "link",
             "marking": {"tlp": request.form.get("tlp", ""),
                         "releasable_to": request.form.getlist("releasable_to")},
             "body": {"from": record_id, "to": other, "relation": relation}}
    try:
        loaded = DraftSchema().load(draft)
        if relation not in ("same_as", "not_same_as"):
            raise InvalidInput("A judgement is same_as or not_same_as",
                               {"relation": ["same_as or not_same_as."]})
        (row,) = node().add_records([Draft(**loaded)])
    except ValidationError as exc:
        return _actor_page(record_id, {"other": other, **_flat(exc.messages)}, 422)
    except InvalidInput as exc:
        return _actor_page(record_id, {"other": other, **_flat(exc.fields)}, 422)
    audited(records=[row.id, record_id, other])
    return redirect(url_for("web.actor", record_id=record_id, judged=row.id))


def _flat(messages: dict[str, Any]) -> dict[str, Any]:
    """Problems by the form's field names (``marking.tlp`` is the form's ``tlp``)."""
    flat: dict[str, Any] = {}
    for key, value in messages.items():
        if isinstance(value, dict) and key in ("marking", "body"):
            flat.update(_flat(value))
        else:
            flat[key] = value
    return flat
