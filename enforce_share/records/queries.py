"""Reading records: one record with its version history, and keyset-paginated lists."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ..errors import Gone, InvalidInput, NotFound
from ..markings import agency_bit
from .fields import is_record_id
from .models import Disavowal, Record


def signed(row: Record) -> dict[str, Any]:
    """The wire form of a stored record: ``{"record": {...}, "jws": "h..s"}``."""
    return {"record": json.loads(row.canonical), "jws": row.jws}


def visible_to(agency: str) -> ColumnElement[bool]:
    """SQL: records users of ``agency``'s node may see (markings.visible)."""
    return or_(Record.origin == agency, Record.audience.op("&")(agency_bit(agency)) != 0)


def is_current() -> ColumnElement[bool]:
    """SQL: records that are current: not superseded, withdrawn nor disavowed."""
    return and_(Record.superseded_by.is_(None), Record.withdrawn_by.is_(None),
                Record.disavowed_by.is_(None))


def get_record(session: Session, record_id: str, viewer: str | None = None) -> Record:
    """The stored record ``record_id``; NotFound (also when ``viewer``'s agency may not see
    it: its existence is not revealed), or Gone once its origin withdrew it."""
    if not is_record_id(record_id):  # nothing to look up (and nothing a database may choke on)
        raise NotFound(f"No record {record_id}", {"id": ["No such record."]})
    query = select(Record).where(Record.id == record_id)
    if viewer is not None:
        query = query.where(visible_to(viewer))
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"No record {record_id}", {"id": ["No such record."]})
    if row.withdrawn_by:
        raise Gone(f"Record {record_id} was withdrawn by {row.origin} (record {row.withdrawn_by})")
    return row


def disavowal(session: Session, row: Record) -> dict[str, Any] | None:
    """``{by, kid, reason}`` of the disavowal naming ``row`` (its origin's root: the key
    that signed it was not the origin's to use then), or None."""
    if row.disavowed_by is None:
        return None
    run = session.scalar(select(Disavowal).where(Disavowal.id == row.disavowed_by).limit(1))
    return {"by": row.disavowed_by, "kid": row.kid, "reason": run.reason if run else ""}


def history(session: Session, row: Record) -> list[Record]:
    """Every version of ``row``'s record, oldest first (follows supersedes both ways)."""
    versions, seen = [row], {row.id}
    while versions[0].supersedes and versions[0].supersedes not in seen:
        earlier = session.scalar(select(Record).where(Record.id == versions[0].supersedes))
        if earlier is None:  # the earlier version is not held here (not released to us)
            break
        versions.insert(0, earlier)
        seen.add(earlier.id)
    while versions[-1].superseded_by and versions[-1].superseded_by not in seen:
        later = session.scalar(select(Record).where(Record.id == versions[-1].superseded_by))
        if later is None:
            break
        versions.append(later)
        seen.add(later.id)
    return versions


@dataclass(frozen=True)
class Page:
    """One page of records and the cursor of the next page (None at the end)."""

    rows: list[Record]
    next: str | None


def pack_cursor(data: dict[str, Any]) -> str:
    """An opaque page cursor holding ``data`` (base64url JSON)."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def unpack_cursor(cursor: str) -> dict[str, Any]:
    """The data of a cursor from :func:`pack_cursor`; InvalidInput naming ``cursor`` if it is
    not one of ours."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        data = None
    if not isinstance(data, dict):
        raise InvalidInput("Invalid cursor", {"cursor": ["Not a cursor from this API."]})
    return data


def encode_cursor(position: int) -> str:
    """An opaque cursor for the record at ``position``."""
    return pack_cursor({"p": position})


def decode_cursor(cursor: str) -> int:
    """The position inside a cursor; InvalidInput naming ``cursor`` if it is not one of ours."""
    position = unpack_cursor(cursor).get("p")
    if type(position) is not int or not 0 <= position < 2**63:
        raise InvalidInput("Invalid cursor", {"cursor": ["Not a cursor from this API."]})
    return position


def list_records(
    session: Session, *, type: str | None = None, origin: str | None = None, limit: int = 50,
    cursor: str | None = None, include_superseded: bool = False, viewer: str | None = None,
) -> Page:
    """Records newest first, filtered (to what ``viewer``'s agency may see, if given);
    keyset pagination on local arrival order."""
    query = select(Record).where(Record.withdrawn_by.is_(None), Record.disavowed_by.is_(None))
    if viewer is not None:
        query = query.where(visible_to(viewer))
    if type:
        query = query.where(Record.type == type)
    if origin:
        query = query.where(Record.origin == origin)
    if not include_superseded:
        query = query.where(Record.superseded_by.is_(None))
    if cursor:
        query = query.where(Record.position < decode_cursor(cursor))
    rows = list(session.scalars(query.order_by(Record.position.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].position) if more else None)
