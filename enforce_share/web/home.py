"""Signing in and out, and the start page of each role."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for

from ..access.roles import ADMIN, ANALYST
from ..api.auth import node
from ..records.service import records_page
from .access import PEOPLE, me, page, safe_next, signed_in
from .blueprint import bp
from .services import new_since_last_look


@bp.route("/sign-in")
def sign_in() -> Any:
    """The sign-in page: the form posts to ``POST /api/v1/session`` (static/js/app.js)."""
    if signed_in() is not None:
        return redirect(safe_next(request.args.get("next")))
    return render_template("sign_in.html", next=safe_next(request.args.get("next")))


@bp.route("/sign-out", methods=["POST"])
@page(*PEOPLE)
def sign_out() -> Any:
    """Sign out through the API's own ``DELETE /api/v1/session`` (which ends the session)."""
    current_app.view_functions["session.sign_out"]()
    return redirect(url_for("web.sign_in"))


@bp.route("/")
@page(*PEOPLE)
def home() -> Any:
    """Analysts: saved searches with what is new, the newest records; administrators: the
    node's state."""
    if me().role == ADMIN:
        return redirect(url_for("web.admin_sync"))
    kept = node().saved_searches(me().name)
    recent, _ = records_page(node(), me().agency, limit=10)
    return render_template("home.html", saved=kept, recent=recent)


@bp.route("/searches/new")
@page(ANALYST)
def new_counts() -> Any:
    """The "new since my last look" counts of the home page (loaded after the page)."""
    counts = new_since_last_look(node(), me().name, me().agency)
    return render_template("new_counts.html", saved=node().saved_searches(me().name),
                           counts=counts)


@bp.context_processor
def _node_agency() -> dict[str, Any]:
    return {"node_agency": node().agency}
