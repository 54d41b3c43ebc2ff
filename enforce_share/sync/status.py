"""Sync status: per origin what is held (in full, not for us, owed and missing) and when the
origin was last heard of; per peer and origin last success, lag, errors, quarantine."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import parse_timestamp
from ..records.models import Checkpoint, LogHead, Placeholder, Record
from ..signing.models import RootVersion
from .models import Equivocation, Quarantined, SyncState

#: An origin's holdings before anything of its log is held.
NOTHING_HELD = {"full": 0, "not_for_us": 0, "owed": 0}


def holdings(session: Session, own: str) -> dict[str, dict[str, int]]:
    """Per origin of another agency: records held in full, placeholders not released to this
    node, and placeholders of records released to it that have not arrived (owed)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict(NOTHING_HELD))
    for origin, full in session.execute(select(Record.origin, func.count())
                                        .group_by(Record.origin)):
        counts[origin]["full"] = full
    for origin, owed, number in session.execute(
            select(Placeholder.origin, Placeholder.owed, func.count())
            .group_by(Placeholder.origin, Placeholder.owed)):
        counts[origin]["owed" if owed else "not_for_us"] += number
    counts.pop(own, None)
    return dict(counts)


def latest_roots(session: Session) -> list[tuple[str, int, str]]:
    """(agency, version, expires) of the newest root held of each agency."""
    newest = select(RootVersion.agency, func.max(RootVersion.version).label("version")
                    ).group_by(RootVersion.agency).subquery()
    return [tuple(row) for row in session.execute(
        select(RootVersion.agency, RootVersion.version, RootVersion.expires).join(
            newest, (RootVersion.agency == newest.c.agency)
            & (RootVersion.version == newest.c.version)).order_by(RootVersion.agency))]


def sync_status(session: Session, own: str, heartbeat: float, grace: float,
                now: datetime | None = None) -> dict[str, Any]:
    """The status document of `GET /api/v1/sync/status`.

    ``alarms`` lists what needs a person: an origin silent for longer than ``heartbeat`` +
    ``grace`` seconds (its newest checkpoint's ``issued``), records owed and missing, forks
    (equivocations) seen, and an agency's root past its expiry (this node's own too).
    """
    now = now or datetime.now(UTC)
    held = {row.origin: row.seq for row in session.scalars(select(LogHead))}
    heard = dict(session.execute(select(Checkpoint.origin, func.max(Checkpoint.issued))
                                 .group_by(Checkpoint.origin)).all())
    counts = holdings(session, own)
    origins: dict[str, dict[str, Any]] = {}
    alarms: list[dict[str, Any]] = []
    for origin in sorted(set(held) - {own}):
        last = heard.get(origin)
        silent = (now - parse_timestamp(last)).total_seconds() if last else None
        stale = silent is None or silent > heartbeat + grace
        origins[origin] = {"held_seq": held[origin],
                           **counts.get(origin, NOTHING_HELD),
                           "last_heard": last, "silent_seconds": silent, "stale": stale}
        if stale:
            alarms.append({"alarm": "stale", "origin": origin, "last_heard": last,
                           "message": f"nothing heard of {origin} for more than "
                                      f"{heartbeat + grace:.0f} s"})
        if origins[origin]["owed"]:
            alarms.append({"alarm": "owed", "origin": origin,
                           "message": f"{origins[origin]['owed']} {origin} records released "
                                      "to this node have not arrived"})
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
    forks = [{"origin": fork.origin, "seq": fork.seq, "peer": fork.peer,
              "detected": fork.detected.isoformat()}
             for fork in session.scalars(select(Equivocation).order_by(Equivocation.position))]
    alarms += [{"alarm": "equivocation", "origin": fork["origin"],
                "message": f"{fork['origin']} signed two histories (seen at seq {fork['seq']} "
                           f"via {fork['peer']})"} for fork in forks]
    alarms += [{"alarm": "root_expired", "origin": agency, "expires": expires,
                "message": f"{agency}'s root (version {version}) expired at {expires}: its "
                           "root key holders sign a new version"}
               for agency, version, expires in latest_roots(session)
               if parse_timestamp(expires) <= now]
    return {
        "held": held,
        "origins": origins,
        "peers": list(peers.values()),
        "equivocations": len(forks),
        "forks": forks,
        "alarms": alarms,
    }
