"""Web sessions held by the node: started at sign-in, checked on every request, ended by
sign-out, by disabling the user, by a new password, or by time (idle and absolute expiry).

The browser's cookie (signed by Flask) carries a random secret; the node keeps only its
SHA-256, so the table opens no session, and a cookie still in a browser after any of those
endings opens none either.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import Unauthenticated
from .models import WebSession

#: How often a session's last-seen time is written: idle expiry need not be finer, and a
#: write per request would cost every page a transaction.
TOUCH_EVERY = timedelta(minutes=1)


def _id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def start(session: Session, user: str, idle: timedelta, lifetime: timedelta) -> str:
    """A new session for ``user``; the secret for the cookie. Sessions past either expiry
    are dropped on the way (nothing else needs to sweep them)."""
    now = utcnow()
    session.execute(delete(WebSession).where(or_(WebSession.seen < now - idle,
                                                 WebSession.started < now - lifetime)))
    secret = secrets.token_urlsafe(32)
    session.add(WebSession(id=_id(secret), user=user, started=now, seen=now))
    return secret


def user_of(session: Session, secret: str, idle: timedelta, lifetime: timedelta) -> str:
    """The user of a live session; Unauthenticated (one message) if it ended, expired or
    never was. A live session's last-seen time moves on (at most once a minute)."""
    now = utcnow()
    row = session.get(WebSession, _id(secret)) if secret else None
    if (row is None or _aware(row.seen) + idle <= now
            or _aware(row.started) + lifetime <= now):
        raise Unauthenticated("The session has ended: sign in again")
    if now - _aware(row.seen) >= TOUCH_EVERY:
        session.execute(update(WebSession).where(WebSession.id == row.id).values(seen=now))
    return row.user


def end(session: Session, secret: str) -> None:
    """End one session (sign-out)."""
    session.execute(delete(WebSession).where(WebSession.id == _id(secret)))


def end_all(session: Session, user: str) -> int:
    """End every session of ``user``; how many there were."""
    return session.execute(delete(WebSession).where(WebSession.user == user)).rowcount
