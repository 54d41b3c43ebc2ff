"""/api/v1/session: signing in with a password for the web UI (a cookie session).

The cookie is signed with the node's session key, Secure, HttpOnly and SameSite=Strict. It
carries the session's secret; the session itself is held by the node (access.sessions), so
it ends for good at sign-out, when the user is disabled or given a new password, after
``session_idle`` seconds without a request and ``session_lifetime`` after sign-in, whatever
the browser keeps. A request authenticated by it that changes anything must also send the
session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``). API clients use
bearer tokens instead and need none of this.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, request, session

from ..access.roles import ADMIN, ANALYST, LIAISON
from ..audit.trail import Event
from ..errors import Unauthenticated
from .auth import Blueprint, audit_refusal, node, principal
from .schemas import LoginSchema, SessionSchema

blp = Blueprint("session", __name__, url_prefix="/api/v1",
                description="Web sessions: sign in and out with a password")
PEOPLE = (ANALYST, LIAISON, ADMIN)


@blp.route("/session", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(201, SessionSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def sign_in(login: dict[str, Any]) -> dict[str, Any]:
    """Sign in: a new session cookie, and the CSRF token to send with changes."""
    source = request.remote_addr or "-"
    guard = current_app.extensions["enforce_share_sign_ins"]
    guard.check(login["name"], source)  # 429 once a name or an address failed too often
    try:
        user = node().authenticate_password(login["name"], login["password"])
    except Unauthenticated:
        guard.failed(login["name"], source)
        # Named in the trail only when such a user exists: never a name the caller made up
        # (a flood of made-up names would be a row each), as refusals by token are.
        audit_refusal(login["name"] if node().user_exists(login["name"]) else "anonymous",
                      "sign in", "401")
        raise
    session.clear()  # a new session for each sign-in (no fixation)
    session.permanent = True
    session.update(sid=node().start_session(user.name), user=user.name,
                   csrf=secrets.token_urlsafe(32))
    node().audit(Event(user.name, "sign in", "201", role=user.role, source=source))
    return {"user": user.name, "role": user.role, "csrf_token": session["csrf"]}


@blp.route("/session", methods=["GET"])
@blp.requires(*PEOPLE)
@blp.response(200, SessionSchema)
def who() -> dict[str, Any]:
    """The signed-in user (session or token) and, for a session, its CSRF token."""
    return {"user": principal().name, "role": principal().role,
            "csrf_token": session.get("csrf", "")}


@blp.route("/session", methods=["DELETE"])
@blp.requires(*PEOPLE)
@blp.response(204)
def sign_out() -> None:
    """Sign out: the session ends at the node, and the browser's cookie is cleared."""
    if session.get("sid"):
        node().end_session(session["sid"])
    session.clear()
