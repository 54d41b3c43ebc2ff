"""The actor graph of one process: an index read from the store, and a view per viewer.

``ActorGraph.view`` reads what changed since the last call (a few rows when little did) and
brings the viewer's view up to date in place. ``rebuild`` starts over from the store: the
recovery path, and what ``enforce-share resolve`` runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from ..entities.scoring import Match
from ..errors import NotFound
from . import analyses
from .index import GraphIndex
from .view import View


class ActorGraph:
    """The index and the views of one process."""

    def __init__(self) -> None:
        self.index = GraphIndex()
        self._views: dict[str, View] = {}
        self._lock = threading.Lock()

    def view(self, session: Session, viewer: str) -> View:
        """``viewer``'s view, current with the store."""
        self.index.refresh(session)
        with self._lock:
            view = self._views.get(viewer)
            if view is None:
                view = self._views[viewer] = View.build(viewer, self.index)
            else:
                view.update()
            return view

    def rebuild(self, session: Session, progress: Callable[[int], None] | None = None) -> int:
        """Read everything again into a fresh index; returns the records read."""
        index = GraphIndex()
        read = index.refresh(session, progress)
        with self._lock:
            self.index, self._views = index, {}
        return read


def entity_of(view: View, record_id: str) -> str:
    """The entity of an actor record the viewer may see (NotFound otherwise)."""
    node = view.entity_of(record_id)
    if node is None:
        raise NotFound(f"No actor {record_id}")
    return node


def matches(view: View, record_id: str, limit: int) -> list[dict[str, Any]]:
    """Scored candidates of an actor record the viewer may see, with why they scored so."""
    entity_of(view, record_id)
    found = [match for match in view.index.candidates(record_id)
             if view.sees(_other(match, record_id))]
    return [{"actor": _other(match, record_id), "score": match.score,
             "accepted": match.accepted, "apart": match.apart, "features": match.features,
             "entity": view.entity_of(_other(match, record_id))}
            for match in found[:limit]]


def _other(match: Match, record_id: str) -> str:
    return match.b if match.a == record_id else match.a


def entities(view: View, min_agencies: int, limit: int, after: str | None) -> list[dict]:
    """Resolved entities in id order (after ``after``), with two agencies or more if asked."""
    nodes = sorted(node for node, data in view.graph.nodes(data=True)
                   if len(data["agencies"]) >= min_agencies and (after is None or node > after))
    return [view.entity(node) for node in nodes[:limit]]


def paths(view: View, record_id: str, to: str, country: str | None, list_name: str | None,
          max_hops: int, limit: int) -> list[list[dict[str, Any]]]:
    """Shortest paths from an actor to listed entities or to end users in ``country``."""
    source = entity_of(view, record_id)
    targets = (analyses.end_users_in(view.graph, country or "") if to == "end_user"
               else analyses.listed_entities(view.graph, list_name))
    found = analyses.paths_to(view.graph, source, targets, max_hops, limit)
    return [[{**view.entity(node), "via": _via(view, path, index)}
             for index, node in enumerate(path)] for path in found]


def _via(view: View, path: list[str], index: int) -> dict[str, Any] | None:
    if index == 0:
        return None
    data = view.graph.edges[path[index - 1], path[index]]
    return {"kinds": sorted(data["kinds"]), "details": sorted(data["details"]),
            "records": sorted(data["records"])}


def neighbourhood(view: View, record_id: str, hops: int) -> tuple[str, Any]:
    """The entity of an actor record and the graph within ``hops`` of it."""
    centre = entity_of(view, record_id)
    return centre, analyses.neighbourhood(view.graph, centre, hops)
