"""Administration: sync status per peer and origin (refreshing itself), users and their API
tokens, the audit trail with its chain check, partners and keys. No intelligence here: an
administrator reads who did what, never what the records say."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from ..access.roles import ADMIN, USER_ROLES
from ..access.service import users_and_tokens
from ..api.auth import audited, node
from ..api.schemas import AuditQuerySchema
from ..audit.service import audit_page, verify_audit
from ..errors import Conflict, InvalidInput, NotFound
from .access import page
from .blueprint import bp
from .services import partners, trust_partner

AUDIT_PAGE = 50


@bp.route("/admin/sync")
@page(ADMIN)
def admin_sync() -> Any:
    """Sync status; its panel reloads itself every ten seconds."""
    return render_template("admin_sync.html", status=node().sync_status(), area="sync")


@bp.route("/admin/sync/panel")
@page(ADMIN)
def admin_sync_panel() -> Any:
    """The status panel alone (what the page reloads)."""
    return render_template("admin_sync_panel.html", status=node().sync_status())


def _users_page(issued: Any = None, problems: dict[str, Any] | None = None,
                status: int = 200) -> Any:
    return render_template("admin_users.html", users=users_and_tokens(node()), roles=USER_ROLES,
                           issued=issued, problems=problems or {}, area="users"), status


@bp.route("/admin/users")
@page(ADMIN)
def admin_users() -> Any:
    """Users, their roles and tokens."""
    return _users_page()


@bp.route("/admin/users", methods=["POST"])
@page(ADMIN)
def admin_add_user() -> Any:
    """Add a user with a role and, for signing in here, a password."""
    name, role = request.form.get("name", "").strip(), request.form.get("role", "")
    password = request.form.get("password") or None
    if password is not None and len(password) < 12:
        return _users_page(problems={"password": ["At least 12 characters."]}, status=422)
    try:
        node().add_user(name, role, password)
    except (InvalidInput, Conflict) as exc:
        return _users_page(problems=exc.fields, status=exc.status)
    audited(user=name, role=role)
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/users/<name>/tokens", methods=["POST"])
@page(ADMIN)
def admin_issue_token(name: str) -> Any:
    """A new API token for a user, shown once on the page that answers."""
    try:
        days = min(max(int(request.form.get("days", "90")), 1), 365)
    except ValueError:
        days = 90
    try:
        issued = node().issue_token(name, timedelta(days=days))
    except (NotFound, Conflict) as exc:
        return _users_page(problems={"token": [exc.message]}, status=exc.status)
    audited(user=name, token=issued.id, expires=issued.expires)
    return _users_page(issued={"user": name, **vars(issued)})


@bp.route("/admin/tokens/<token_id>/revoke", methods=["POST"])
@page(ADMIN)
def admin_revoke_token(token_id: str) -> Any:
    """Revoke one API token at once."""
    user = node().revoke_token(token_id)
    audited(user=user, token=token_id)
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/users/<name>/disable", methods=["POST"])
@page(ADMIN)
def admin_disable_user(name: str) -> Any:
    """Disable a user: their tokens are revoked and their sessions stop."""
    node().disable_user(name)
    audited(user=name)
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/audit")
@page(ADMIN)
def admin_audit() -> Any:
    """The audit trail, newest first, filtered as ``/api/v1/audit`` is (queries withheld)."""
    args = {key: value for key, value in request.args.items() if value.strip()}
    try:
        query = AuditQuerySchema().load({**args, "limit": AUDIT_PAGE})
    except ValidationError as exc:
        return render_template("admin_audit.html", entries=[], next=None, args=args,
                               problems=exc.messages, area="audit"), 422
    found = audit_page(node(), query)
    return render_template("admin_audit.html", entries=found["items"], args=args, problems={},
                           next=found["next"], area="audit")


@bp.route("/admin/audit/verify", methods=["POST"])
@page(ADMIN)
def admin_audit_verify() -> Any:
    """Recompute the trail's hash chain and hold it against the heads anchored in the
    node's signed log (the answer replaces the button)."""
    verdict, anchored = verify_audit(node())
    audited(entries=verdict.entries, intact=verdict.problem is None)
    return render_template("admin_verdict.html", verdict=verdict, anchored=anchored)


@bp.route("/admin/partners")
@page(ADMIN)
def admin_partners() -> Any:
    """Partners with their URLs and keys, and this node's own keys."""
    return _partners_page()


def _partners_page(problems: dict[str, Any] | None = None, status: int = 200) -> Any:
    return render_template("admin_partners.html", partners=partners(node()),
                           own=node().jwks()["keys"], describe=node().describe(),
                           problems=problems or {}, area="partners"), status


@bp.route("/admin/partners", methods=["POST"])
@page(ADMIN)
def admin_add_partner() -> Any:
    """Trust a partner's keys (its JWK Set, as it exports them) and set its URL."""
    agency = request.form.get("agency", "")
    url = request.form.get("url", "").strip() or None
    try:
        kids = trust_partner(node(), agency, json.loads(request.form.get("jwks", "")), url)
    except ValueError:
        return _partners_page({"jwks": ["Not JSON: paste the partner's JWK Set."]}, 422)
    except InvalidInput as exc:
        return _partners_page(exc.fields or {"jwks": [exc.message]}, 422)
    audited(partner=agency, url=url, kids=kids)
    return redirect(url_for("web.admin_partners"))
