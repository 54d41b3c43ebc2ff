"""A record's page: its body laid out by type, its marking as a TLP 2.0 banner, provenance
(origin, key, seq, hash, signature checked now), its versions with what changed, and the
signed JSON to download."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import Response, render_template

from ..access.roles import ANALYST
from ..api.auth import audited, node
from ..errors import Gone
from ..records.service import record_view
from .access import me, page
from .blueprint import bp
from .present import changes
from .services import records_by_id, signature_check, withdrawal_of


def referenced(record: dict[str, Any]) -> list[str]:
    """The record ids a record's body names (parties, case records, link ends, related)."""
    body = record["body"]
    ids = [party["actor"] for party in body.get("parties", ())]
    ids += body.get("records", []) + body.get("related", []) + body.get("evidence", [])
    ids += [body[key] for key in ("from", "to", "target") if key in body]
    return list(dict.fromkeys(ids))


def key_id(jws: str) -> str:
    """The ``kid`` in a compact JWS's protected header."""
    header = jws.split(".", 1)[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


@bp.route("/records/<record_id>")
@page(ANALYST)
def record(record_id: str) -> Any:
    """One record as its type reads best; a withdrawn one says by whom and why (410)."""
    viewer = me().agency
    try:
        view = record_view(node(), record_id, viewer=viewer)
    except Gone:
        found = withdrawal_of(node(), record_id, viewer)
        audited(records=[record_id, found["by"]])
        return render_template("withdrawn.html", record_id=record_id, **found), 410
    signed = {"record": view["record"], "jws": view["jws"]}
    versions = records_by_id(node(), [v["id"] for v in view["versions"]], viewer)
    history, before = [], None
    for version in view["versions"]:
        held = versions.get(version["id"])
        body = held["record"]["body"] if held else None
        history.append({**version, "changes": changes(before, body) if body else []})
        before = body or before
    names = records_by_id(node(), referenced(view["record"]), viewer)
    audited(records=[record_id, *(rid for rid, seen in names.items() if seen)])
    return render_template("record.html", record=view["record"], view=view,
                           kid=key_id(view["jws"]), problem=signature_check(node(), signed),
                           history=list(reversed(history)), names=names, area="search")


@bp.route("/records/<record_id>/signed.json")
@page(ANALYST)
def record_json(record_id: str) -> Response:
    """The signed record ``{record, jws}`` as a file (what ``record verify`` checks)."""
    view = record_view(node(), record_id, viewer=me().agency)
    audited(records=[record_id])
    text = json.dumps({"record": view["record"], "jws": view["jws"]}, indent=2,
                      ensure_ascii=False)
    return Response(text, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="record-{record_id}.json"'})
