"""Who is calling, what their role admits, and the audit entry of every such request.

People send a personal API token (``Authorization: Bearer es_…``; on a blueprint made with
``basic_auth=True``, the TAXII one, also HTTP Basic with the token as the password); partner
nodes sign their requests (RFC 9421, see sync.httpsig). Each endpoint states the roles it
admits once, with ``@blp.requires(...)`` on our :class:`Blueprint`, which also puts the
security scheme in the OpenAPI document. An endpoint without it is public: only
``/api/v1/node``, the JWK Set and the OpenAPI document are. Every request to a guarded
endpoint, refused or not, is audited after its response is made; if the audit entry cannot
be written the request fails.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask_smorest
from flask import Flask, Response, current_app, g, request, session

from ..access.roles import NODE, admits
from ..access.users import TOKEN, Principal
from ..audit.refusals import RefusalWindow
from ..audit.trail import Event
from ..errors import Forbidden, Unauthenticated
from ..node import Node
from ..sync.httpsig import Message

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "Personal API token (`enforce-share users token NAME`)."},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "es_session",
                      "description": "Web session from POST /api/v1/session; changes also "
                                     "need the X-CSRF-Token header."},
    "httpSignature": {"type": "apiKey", "in": "header", "name": "Signature",
                      "description": "RFC 9421 HTTP Message Signature (with Signature-Input) "
                                     "by a partner node's Ed25519 key: partner nodes only."},
}
log = logging.getLogger("enforce_share.audit")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_BEARER = re.compile(r"Bearer ([!-~]{1,200})")
_BASIC = re.compile(r"(?i:Basic) ([A-Za-z0-9+/]{1,400}={0,2})")  # RFC 7617: scheme in any case


def node() -> Node:
    """This app's node (``app.extensions["enforce_share"]``)."""
    return current_app.extensions["enforce_share"]


def principal() -> Principal:
    """Who is calling (inside a guarded endpoint)."""
    return g.principal


def audited(**target: Any) -> None:
    """Name what the request touched (record ids, a case …) in its audit entry."""
    g.audit_target = {**g.get("audit_target", {}), **target}


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with :meth:`requires`; ``basic_auth`` also admits users by
    HTTP Basic (see :func:`_basic_user`) on its endpoints."""

    def __init__(self, *args: Any, basic_auth: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.basic_auth = basic_auth

    def requires(self, *roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Admit only callers holding one of ``roles`` (401 without credentials, 403 with
        the wrong role); document it; audit every request."""
        allowed = frozenset(roles)
        security = ([{"bearerAuth": []}, {"sessionCookie": []}] if allowed - {NODE} else []
                    ) + ([{"httpSignature": []}] if NODE in allowed else [])

        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                g.audited = True
                caller = _authenticate(allowed, self.basic_auth)
                g.principal = caller
                if not admits(caller.role, allowed):
                    raise Forbidden(f"The {caller.role} role may not use this endpoint",
                                    {"role": [f"One of: {', '.join(sorted(allowed))}."]})
                return view(*args, **kwargs)

            documented = self.alt_response(401, response="UNAUTHORIZED")(
                self.alt_response(403, response="FORBIDDEN")(guarded))
            return self.doc(security=security)(documented)

        return decorate


def _authenticate(allowed: frozenset[str], basic: bool) -> Principal:
    if NODE in allowed and "Signature-Input" in request.headers:
        caller = node().authenticate_partner(_signed_message())
        return Principal(caller.agency, NODE, caller.agency, caller.kid)
    header = request.headers.get("Authorization")
    if header is None and session.get("sid"):
        return _session_user()
    if header is None:
        raise Unauthenticated("Authentication required")
    if basic and header[:6].lower() == "basic ":
        return _basic_user(header)
    match = _BEARER.fullmatch(header)
    if match is None:
        raise Unauthenticated("Use Authorization: Bearer <token>" + (
            " or Basic base64(user:token)" if basic else ""))
    return _token_user(match.group(1))


def _token_user(token: str) -> Principal:
    """The user of a personal API token (the one check of tokens, ``access.users``),
    checked once per request: :func:`rate_key` may have done it already."""
    claimed = TOKEN.fullmatch(token)
    g.claimed = claimed.group(1) if claimed else None  # a token id, never a secret
    checked = g.get("token_checked")
    if checked is None or checked[0] != token:
        try:
            checked = (token, node().authenticate_token(token))
        except Unauthenticated:
            checked = (token, None)
        g.token_checked = checked
    if checked[1] is None:
        raise Unauthenticated("Invalid, expired or revoked token")
    return checked[1]


def rate_key() -> str:
    """The bucket a request counts against: the API token, once it checks out, else the
    address the request came from. Junk, guessed or wrong credentials all count against
    their address: a new junk header per request is no way around the limit, and nobody
    can spend another user's bucket by naming their token's id. A web session counts as
    its user (the cookie is signed)."""
    header = request.headers.get("Authorization")
    bearer = _BEARER.fullmatch(header) if header else None
    if bearer is not None:
        try:
            caller = _token_user(bearer.group(1))
        except Unauthenticated:
            caller = None
        if caller is not None and caller.token is not None:
            return f"token:{caller.token}"
    elif header is None and session.get("sid"):
        return f"user:{session.get('user')}"
    return f"ip:{request.remote_addr}"


def _basic_user(header: str) -> Principal:
    """HTTP Basic credentials (RFC 7617; TAXII 2.1 section 1.6.8 asks servers for them): the
    password is the user's personal API token, checked as a bearer token is, and the user
    name must be that token's user's. Unauthenticated otherwise."""
    match = _BASIC.fullmatch(header)
    try:
        pair = base64.b64decode(match.group(1), validate=True).decode("utf-8") if match else ""
    except (binascii.Error, UnicodeDecodeError):
        pair = ""
    name, colon, token = pair.partition(":")
    if not colon:
        raise Unauthenticated("Use Authorization: Basic base64(user:token)")
    caller = _token_user(token)
    if not hmac.compare_digest(name.encode(), caller.name.encode()):
        raise Unauthenticated("Invalid user name or token")
    return caller


def _session_user() -> Principal:
    """The web session's user; changes also need the session's CSRF token."""
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token") or (
            request.form.get("csrf_token") if request.mimetype in FORMS else None)
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            raise Forbidden("CSRF token missing or wrong: send the session's token as "
                            "X-CSRF-Token", {"X-CSRF-Token": ["Missing or wrong."]})
    return node().session_user(session["sid"])


def _signed_message() -> Message:
    """The current request as the signature library reads it."""
    query = request.query_string.decode("ascii", "replace")
    url = request.host_url.rstrip("/") + request.path + (f"?{query}" if query else "")
    return Message(method=request.method, url=url, headers=request.headers)


def _audit(response: Response) -> Response:
    if not g.get("audited"):
        return response
    caller: Principal | None = g.get("principal")
    claimed = g.get("claimed")
    target = dict(g.get("audit_target", {}))
    if request.view_args:  # as text: a path may hold any integer, JSON numbers may not
        target.update((key, str(value)) for key, value in request.view_args.items())
    if request.args:
        target["query"] = request.args.to_dict(flat=False)
    if caller is not None:
        actor = caller.name
    elif claimed and node().token_exists(claimed):  # a real token tried with a wrong secret
        actor = f"token:{claimed}"
    else:
        actor = "anonymous"  # never an id the caller made up
    action = f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
    outcome = str(response.status_code)
    if response.status_code in (401, 403):
        audit_refusal(actor, action, outcome, target)
        return response
    node().audit(Event(actor=actor, role=caller.role if caller else None, action=action,
                       target=target, source=request.remote_addr or "-", outcome=outcome,
                       request_id=g.get("request_id")))
    return response


def audit_refusal(actor: str, action: str, outcome: str,
                  target: dict[str, Any] | None = None) -> None:
    """Write a refused request to the audit trail, unless one like it (same source, actor,
    action and outcome) was written in the last minute: then it is only counted, and the
    next one written says how many were held back (audit/refusals.py)."""
    source = request.remote_addr or "-"
    held_back = current_app.extensions["enforce_share_refusals"].admit(
        (source, actor, action, outcome))
    if held_back is None:  # like one written a moment ago: counted, not written
        return
    target = {**(target or {}), **({"held_back": held_back} if held_back else {})}
    log.warning("refused %s %s from %s: %s", request.method, request.path, source, outcome)
    node().audit(Event(actor=actor, action=action, target=target, source=source,
                       outcome=outcome, request_id=g.get("request_id")))


def init_auth(app: Flask, api: flask_smorest.Api) -> None:
    """Declare the security schemes and audit guarded requests (repeated refusals once a
    window: audit/refusals.py)."""
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    app.extensions["enforce_share_refusals"] = RefusalWindow()
    app.after_request(_audit)
