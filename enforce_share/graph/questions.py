"""What the API, the CLI and briefs ask of the actor graph, answered as plain JSON data.

Every question is asked for a viewer (an agency code) and answered from that viewer's view
only (``view.py``: records the agency may see). The answers are lists, dicts, strings and
numbers, so that a question can be asked of this process's graph (``local``) or of the
node's index process (``server.py``) with the same result.
"""

from __future__ import annotations

import json
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..screening import matching
from . import analyses, service
from .view import View

#: Asks ``question`` of ``viewer``'s view with ``args``: the answer, as JSON data.
Asker = Callable[..., Any]


def _clusters(view: View, min_agencies: int, limit: int) -> list[dict[str, Any]]:
    return analyses.cross_jurisdiction_clusters(view.graph, min_agencies, limit)


def _hubs(view: View, limit: int) -> dict[str, Any]:
    found, method = analyses.hubs(view.graph, limit)
    return {"hubs": found, "betweenness": method}


def _neighbourhood(view: View, record_id: str, hops: int) -> dict[str, Any]:
    centre, near = service.neighbourhood(view, record_id, hops)
    return analyses.as_json(near, centre)


def _network(view: View, record_ids: Sequence[str]) -> dict[str, Any]:
    """The entities of these actor records (those the viewer sees) and the relations among
    those entities, each with the records that tell it."""
    entities = sorted({entity for record_id in record_ids
                       if (entity := view.entity_of(record_id)) is not None})
    return analyses.as_json(view.graph.subgraph(entities))


#: Each question, by name: a function of a view and the question's arguments.
QUESTIONS: dict[str, Callable[..., Any]] = {
    "entities": service.entities,
    "matches": service.matches,
    "clusters": _clusters,
    "hubs": _hubs,
    "paths": service.paths,
    "neighbourhood": _neighbourhood,
    "network": _network,
    "screen": matching.screen,
}


def local(view_of: Callable[[str], View]) -> Asker:
    """An asker answering from this process's views (``view_of(viewer)``)."""

    def ask(question: str, viewer: str, *args: Any) -> Any:
        return QUESTIONS[question](view_of(viewer), *args)

    return ask


def remembering(view_of: Callable[[str], View], size: int = 256) -> Asker:
    """An asker answering from this process's views that keeps its latest ``size`` answers
    while the view they came from is unchanged (a view's ``version`` moves with every
    change): the index process answers one question at a time for every worker, and whole-
    graph analyses (hubs: seconds on a large graph) are asked again and again."""
    answers: OrderedDict[tuple[str, str, bytes], tuple[weakref.ref[View], int, Any]] = (
        OrderedDict())

    def ask(question: str, viewer: str, *args: Any) -> Any:
        view = view_of(viewer)
        version = view.graph.graph.get("version", 0)
        key = (question, viewer, json.dumps(args).encode())
        held = answers.get(key)
        if held is not None and held[0]() is view and held[1] == version:  # a view rebuilt
            answers.move_to_end(key)  # from scratch starts its versions again: not the same
            return held[2]
        answer = QUESTIONS[question](view, *args)
        answers[key] = (weakref.ref(view), version, answer)
        if len(answers) > size:
            answers.popitem(last=False)
        return answer

    return ask


@dataclass(frozen=True)
class GraphQuestions:
    """The questions, typed, put to one asker (this process's graph or the index process)."""

    ask: Asker

    def entities(self, viewer: str, min_agencies: int, limit: int,
                 after: str | None) -> list[dict[str, Any]]:
        """Resolved entities in id order (after ``after``), of ``min_agencies`` or more."""
        return self.ask("entities", viewer, min_agencies, limit, after)

    def matches(self, viewer: str, record_id: str, limit: int) -> list[dict[str, Any]]:
        """Scored candidates of an actor record, best first (NotFound if not seen)."""
        return self.ask("matches", viewer, record_id, limit)

    def clusters(self, viewer: str, min_agencies: int, limit: int) -> list[dict[str, Any]]:
        """Connected groups of entities reported by ``min_agencies`` agencies or more."""
        return self.ask("clusters", viewer, min_agencies, limit)

    def hubs(self, viewer: str, limit: int) -> dict[str, Any]:
        """``{"hubs": [...], "betweenness": how it was computed}``."""
        return self.ask("hubs", viewer, limit)

    def paths(self, viewer: str, record_id: str, to: str, country: str | None,
              list_name: str | None, max_hops: int, limit: int) -> list[list[dict[str, Any]]]:
        """Shortest paths from an actor to listed entities or end users in ``country``."""
        return self.ask("paths", viewer, record_id, to, country, list_name, max_hops, limit)

    def neighbourhood(self, viewer: str, record_id: str, hops: int) -> tuple[str, nx.Graph]:
        """The entity of an actor record and the graph within ``hops`` of it."""
        found = self.ask("neighbourhood", viewer, record_id, hops)
        return found["centre"], analyses.from_json(found)

    def screen(self, viewer: str, parties: Sequence[dict[str, Any]], limit: int
               ) -> list[dict[str, Any]]:
        """Each party's matches among the actors and list entries the viewer sees
        (``screening/matching.py``)."""
        return self.ask("screen", viewer, list(parties), limit)

    def network(self, viewer: str, record_ids: Sequence[str]) -> nx.Graph:
        """The entities of these actor records and the relations among them."""
        return analyses.from_json(self.ask("network", viewer, list(record_ids)))
