"""Parties matched against one viewer's actor graph: shared actors and list entries alike.

Asked of the graph (the node's index process under gunicorn: ``graph/questions.py``), for a
viewer: only actor records the viewer's agency may see, and reference list entries (public),
are candidates; their entities, listings and violations are the viewer's view of them. A
party's candidates come from the same blocking keys resolution uses, every member of a usable
block (not the latest few: a party is looked up, not added); name words too common to block
alone are intersected two at a time, so that "Techno Trade" still finds the few actors
holding both words.
"""

from __future__ import annotations

from typing import Any

from ..graph.facts import Edge
from ..graph.index import GraphIndex
from ..graph.view import View
from . import matcher

#: A candidate below this score is left out unless it shares an identifier.
MIN_SCORE = 0.5
#: The most candidates scored for one party (strongest keys first).
MAX_CANDIDATES = 400


def screen(view: View, parties: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """For each party (an actor-shaped body), its best matches (at most ``limit``) and any
    candidate sharing an identifier with it, and the entities they belong to."""
    return [_party(view, body, limit) for body in parties]


def _party(view: View, body: dict[str, Any], limit: int) -> dict[str, Any]:
    index = view.index
    party = matcher.profile_of("party", body)
    scored = []
    for candidate in candidates(index, party):
        other = index.actors[candidate].profile
        linked = matcher.may_share(party, other)
        if (other.kind != party.kind and not linked) or not view.sees(candidate):
            continue  # another kind scores 0: only what they share could matter
        match = matcher.score(party, other, index.rarity)
        if match.score >= MIN_SCORE or linked:
            shared = matcher.shared_identifiers(match)
            if match.score >= MIN_SCORE or shared:
                scored.append((match, shared, candidate))
    scored.sort(key=lambda found: (-found[0].score, found[2]))
    kept = scored[:limit] + [found for found in scored[limit:] if found[1]][:limit]
    matches, entities = [], {}
    for match, shared, candidate in kept:
        entity = view.entity_of(candidate)
        actor = index.actors[candidate]
        matches.append({"id": candidate, "name": actor.name, "score": match.score,
                        "accepted": match.score >= matcher.ACCEPT, "features": match.features,
                        "shared": shared, "reference": index.held[candidate].reference,
                        "listings": list(actor.listings), "entity": entity})
        if entity is not None and entity not in entities:
            shown = view.entity(entity)
            entities[entity] = {**shown, "violations": violation_roles(view, shown["members"])}
    return {"matches": matches, "entities": entities}


def violation_roles(view: View, members: list[str]) -> dict[str, list[str]]:
    """Violation id -> the roles the entity's members had in it, of the violations the
    viewer sees (from the graph's facts: no record is read)."""
    roles: dict[str, set[str]] = {}
    for member in members:
        for version in view.index.versions(member):
            for fact in view.index.touching.get(version, ()):
                if isinstance(fact, Edge) and fact.kind == "violation" and view.sees(
                        fact.record):
                    left, right = fact.detail.split(">")
                    found = roles.setdefault(fact.record, set())
                    found.update(role for role, end in ((left, fact.a), (right, fact.b))
                                 if end == version)
    return {violation: sorted(found) for violation, found in sorted(roles.items())}


def candidates(index: GraphIndex, party: matcher.Profile) -> list[str]:
    """Actor records and list entries sharing a usable key with ``party`` (at most
    ``MAX_CANDIDATES``, rarer keys first); any version, the caller keeps the current."""
    usable: list[list[str]] = []
    common: list[list[str]] = []
    for key in matcher.blocking_keys(party):
        members = index.blocks.get(key)
        if not members:
            continue
        if matcher.usable(key, len(members)):
            usable.append(members)
        elif key.startswith("w:"):
            common.append(members)
    common.sort(key=len)
    if len(common) >= 2:  # the few holding the two rarest of the common words
        both = set(common[0]).intersection(common[1])
        if matcher.usable("", len(both)):
            usable.append(sorted(both, key=index.arrival.__getitem__))
    found: dict[str, None] = {}
    for members in sorted(usable, key=len):
        found.update(dict.fromkeys(members))
        if len(found) >= MAX_CANDIDATES:
            break
    return list(found)[:MAX_CANDIDATES]
