"""Users, API tokens and passwords: creating them, and checking credentials (fail closed).

A token reads ``es_<id>_<secret>``: the id finds the row, the secret is checked against its
argon2id hash. A secret once found right for an id is remembered in this process (by its
SHA-256), so a busy client pays for argon2 once; expiry, revocation and the user's state are
read from the database on every request, so a revoked token stops at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import Conflict, InvalidInput, NotFound, Unauthenticated
from . import sessions
from .models import ApiToken, User
from .roles import USER_ROLES

NAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
TOKEN = re.compile(r"es_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
#: Passwords: argon2id with OWASP's recommended minimum (19 MiB, 2 passes).
PASSWORDS = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Token secrets hold 256 random bits, beyond any guessing whatever the hash costs: argon2id
#: with light settings keeps a leaked table useless and a first request fast.
SECRETS = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (by token or session) or a partner node (by signature)."""

    name: str
    role: str
    agency: str
    token: str | None = None  # the API token id, when authenticated by one


def add_user(session: Session, name: str, role: str, password: str | None = None) -> User:
    """Create a user; InvalidInput for a bad name or role, Conflict if the name is taken."""
    if not NAME.fullmatch(name):
        raise InvalidInput("Invalid user name", {"name": [
            "2-64 characters: lower-case letters, digits, '.', '_', '-'; a letter first."]})
    if role not in USER_ROLES:
        raise InvalidInput("Invalid role", {"role": [f"One of {', '.join(USER_ROLES)}."]})
    if session.get(User, name) is not None:
        raise Conflict(f"User {name} exists", {"name": ["Taken."]})
    user = User(name=name, role=role, password_hash=_password_hash(password), disabled=False)
    session.add(user)
    return user


def get_user(session: Session, name: str) -> User:
    """The user called ``name``; NotFound if none."""
    user = session.get(User, name)
    if user is None:
        raise NotFound(f"No user {name}", {"name": ["Unknown user."]})
    return user


def set_password(session: Session, name: str, password: str) -> None:
    """Set (or replace) a user's password for web sessions; their sessions end (whoever
    knew the old password signs in again)."""
    get_user(session, name).password_hash = _password_hash(password)
    sessions.end_all(session, name)


def disable_user(session: Session, name: str) -> int:
    """Disable a user, end their web sessions and revoke their tokens; return how many
    tokens were revoked."""
    user = get_user(session, name)
    user.disabled = True
    sessions.end_all(session, name)
    tokens = session.scalars(select(ApiToken).where(ApiToken.user == name,
                                                    ApiToken.revoked.is_(None))).all()
    for token in tokens:
        token.revoked = utcnow()
    return len(tokens)


def issue_token(session: Session, name: str, valid_for: timedelta | None = None
                ) -> tuple[str, ApiToken]:
    """A new API token for user ``name``: the token (shown once) and its row."""
    user = get_user(session, name)
    if user.disabled:
        raise Conflict(f"User {name} is disabled", {"name": ["Disabled."]})
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = ApiToken(id=token_id, user=name, secret_hash=SECRETS.hash(secret),
                   created=utcnow(), expires=utcnow() + valid_for if valid_for else None)
    session.add(row)
    return f"es_{token_id}_{secret}", row


def revoke_token(session: Session, token_id: str) -> ApiToken:
    """Revoke one token by id (what `users tokens` lists); NotFound if unknown."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No token {token_id}", {"token": ["Unknown token id."]})
    row.revoked = row.revoked or utcnow()
    return row


def authenticate_token(session: Session, token: str, agency: str,
                       now: datetime | None = None) -> Principal:
    """The principal a bearer token stands for; Unauthenticated (one message for every
    reason, so a caller learns nothing) unless it is well-formed, known, matches its hash,
    unexpired, unrevoked, and its user exists and is enabled."""
    match = TOKEN.fullmatch(token)
    row = session.get(ApiToken, match.group(1)) if match else None
    user = session.get(User, row.user) if row is not None else None
    now = now or utcnow()
    if (match is None or row is None or user is None or user.disabled
            or not _secret_matches(row.id, row.secret_hash, match.group(2))
            or row.revoked is not None
            or (row.expires is not None and _aware(row.expires) <= now)):
        raise Unauthenticated("Invalid, expired or revoked token")
    return Principal(user.name, user.role, agency, row.id)


def user_exists(session: Session, name: str) -> bool:
    """Whether a user called ``name`` exists (for the audit trail: a refused sign-in is
    named by the user tried only when there is one, never by a name the caller made up)."""
    return session.get(User, name) is not None


def token_exists(session: Session, token_id: str) -> bool:
    """Whether ``token_id`` names a token ever issued here (for the audit trail: a refused
    caller is named by a token id only when it is a real one, never by one it made up)."""
    return session.get(ApiToken, token_id) is not None


def authenticate_password(session: Session, name: str, password: str, agency: str
                          ) -> Principal:
    """The principal of a user logging in with a password; Unauthenticated otherwise."""
    user = session.get(User, name)
    stored = user.password_hash if user is not None and not user.disabled else None
    if stored is None:
        PASSWORDS.hash(password)  # as slow as a real check: no user enumeration by timing
        raise Unauthenticated("Invalid user name or password")
    try:
        PASSWORDS.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise Unauthenticated("Invalid user name or password") from None
    return Principal(user.name, user.role, agency)


def session_principal(session: Session, name: str, agency: str) -> Principal:
    """The principal of a signed-in web session's user, while they exist and are enabled."""
    user = session.get(User, name)
    if user is None or user.disabled:
        raise Unauthenticated("The session's user is no longer active: sign in again")
    return Principal(user.name, user.role, agency)


def _password_hash(password: str | None) -> str | None:
    if password is None:
        return None
    if len(password) < 12:
        raise InvalidInput("Password too short", {"password": ["At least 12 characters."]})
    return PASSWORDS.hash(password)


def _secret_matches(token_id: str, secret_hash: str, secret: str) -> bool:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    known = _KNOWN.get(token_id)
    if known is not None:
        return hmac.compare_digest(known, digest)
    try:
        SECRETS.verify(secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    _KNOWN[token_id] = digest
    return True


#: Token id -> SHA-256 of the secret found right for it in this process (tokens are few).
_KNOWN: dict[str, str] = {}


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone columns: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
