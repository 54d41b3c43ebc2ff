"""Who is signed in on a page, and the roles a page admits.

Pages use the API's web session as it is: the cookie ``POST /api/v1/session`` sets, read by
``api.auth._authenticate`` (through ``_session_user``, the one check of sessions, which also
checks the CSRF token of every change, sent here as the form field ``csrf_token`` or the
``X-CSRF-Token`` header); signing out goes through ``DELETE /api/v1/session``'s own view.
A page request is audited by the API's own hook (``api.auth``), as an API request is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, redirect, request, session, url_for

from ..access.roles import ADMIN, ANALYST, LIAISON, admits
from ..access.users import Principal
from ..api import auth
from ..errors import Forbidden, Unauthenticated

PEOPLE = (ANALYST, LIAISON, ADMIN)


def signed_in() -> Principal | None:
    """The user of this request's web session, or None (no session, or one the node ended:
    signed out, expired, its user disabled or given a new password). Read by the API's own
    check (``api.auth._authenticate`` for people, which reads the session cookie when no
    credentials are sent); a change without the session's CSRF token raises Forbidden."""
    if request.headers.get("Authorization") is not None:
        return None  # pages are for people in a browser; programs use the API
    g.audited = True  # a refused change is audited too
    try:
        return auth._authenticate(frozenset(PEOPLE), False)
    except Unauthenticated:
        return None


def csrf_token() -> str:
    """The session's CSRF token, for forms and scripts (as ``api/session.py`` keeps it)."""
    return session.get("csrf", "")


def page(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A page for signed-in users holding one of ``roles``: others are sent to sign in,
    or refused (403); every request is audited (``api.auth``)."""
    allowed = frozenset(roles)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            caller = signed_in()
            if caller is None:
                g.audited = False  # nothing was shown: sent to sign in
                return redirect(url_for("web.sign_in", next=_here()))
            g.principal = caller
            if not admits(caller.role, allowed):
                raise Forbidden(f"The {caller.role} role may not use this page",
                                {"role": [f"One of: {', '.join(sorted(allowed))}."]})
            return view(*args, **kwargs)

        return guarded

    return decorate


def me() -> Principal:
    """The signed-in user (inside a page)."""
    return g.principal


def _here() -> str:
    query = request.query_string.decode("utf-8", "replace")
    return request.path + (f"?{query}" if query else "")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this node only (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("web.home")
