"""Saved searches: a user's named queries, run again in full or for what is new since the
user last looked (documents stamped after that look: new records, and new versions)."""

from __future__ import annotations

from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import timestamp
from ..db import utcnow
from ..errors import Conflict, NotFound
from .models import SavedSearch, SearchHead
from .query import Query

MAX_PER_USER = 200


def save(session: Session, user: str, name: str, query: Query) -> SavedSearch:
    """Save ``query`` as ``name``; what exists now counts as seen. Conflict if the name is
    taken."""
    count = len(session.scalars(select(SavedSearch.id).where(SavedSearch.user == user)).all())
    if count >= MAX_PER_USER:
        raise Conflict(f"{user} has {MAX_PER_USER} saved searches",
                       {"name": [f"At most {MAX_PER_USER} saved searches: delete one."]})
    saved = SavedSearch(user=user, name=name, query=query.params(), created=timestamp(utcnow()),
                        last_seen_stamp=_head(session), last_seen_at=None)
    try:
        with session.begin_nested():
            session.add(saved)
    except IntegrityError:
        raise Conflict(f"A saved search named {name!r} exists",
                       {"name": ["Already used by one of your saved searches."]}) from None
    return saved


def saved_searches(session: Session, user: str) -> list[SavedSearch]:
    """``user``'s saved searches, by name."""
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user == user)
                                .order_by(SavedSearch.name)))


def get(session: Session, user: str, saved_id: int) -> SavedSearch:
    """One of ``user``'s saved searches; NotFound for anyone else's (not revealed)."""
    saved = session.scalar(select(SavedSearch).where(
        SavedSearch.id == saved_id, SavedSearch.user == user)) if 0 < saved_id < 2**53 else None
    if saved is None:
        raise _not_found(saved_id)
    return saved


def remove(session: Session, user: str, saved_id: int) -> None:
    """Delete one of ``user``'s saved searches."""
    get(session, user, saved_id)
    session.execute(delete(SavedSearch).where(SavedSearch.id == saved_id))


def mark_seen(session: Session, user: str, saved_id: int, stamp: int) -> None:
    """Record a look at the results of ``user``'s saved search as of ``stamp``; NotFound if
    it is gone (deleted while it ran)."""
    looked = session.execute(
        update(SavedSearch).where(SavedSearch.id == saved_id, SavedSearch.user == user)
        .values(last_seen_stamp=case((SavedSearch.last_seen_stamp < stamp, stamp),
                                     else_=SavedSearch.last_seen_stamp),
                last_seen_at=timestamp(utcnow())))
    if looked.rowcount == 0:  # type: ignore[attr-defined]
        raise _not_found(saved_id)


def _not_found(saved_id: int) -> NotFound:
    return NotFound(f"No saved search {saved_id}", {"id": ["No such saved search."]})


def _head(session: Session) -> int:
    return session.scalar(select(SearchHead.stamp).where(SearchHead.id == 1)) or 0
