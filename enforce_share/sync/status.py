"""Sync status per peer and origin: last success, lag, errors, quarantined records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..records.models import LogHead
from .models import Equivocation, Quarantined, SyncState


def sync_status(session: Session) -> dict[str, Any]:
    """The status document of `GET /api/v1/sync/status`."""
    held = {row.origin: row.seq for row in session.scalars(select(LogHead))}
    quarantined = dict(session.execute(
        select(Quarantined.peer, func.count()).group_by(Quarantined.peer)).all())
    peers: dict[str, dict[str, Any]] = {}
    for state in session.scalars(select(SyncState).order_by(SyncState.peer, SyncState.origin)):
        peer = peers.setdefault(state.peer, {"peer": state.peer, "origins": [],
                                             "quarantined": quarantined.get(state.peer, 0)})
        peer["origins"].append({
            "origin": state.origin,
            "held_seq": held.get(state.origin, 0),
            "peer_seq": state.peer_seq,
            "lag": max(0, state.peer_seq - held.get(state.origin, 0)),
            "last_success": state.last_success.isoformat() if state.last_success else None,
            "last_error": state.last_error,
            "failures": state.failures,
            "blocked_seq": state.blocked_seq,
        })
    return {
        "held": held,
        "peers": list(peers.values()),
        "equivocations": session.scalar(select(func.count()).select_from(Equivocation)),
    }
