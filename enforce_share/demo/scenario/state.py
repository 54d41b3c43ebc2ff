"""What a scenario remembers while it streams: recent networks, open records, the draft counter.

Only small, bounded indexes are kept (recent networks, each agency's open violations, cases
and trends), and the registrar's keys of names and numbers given out (some bytes per company),
so a million drafts stream in little memory. One seeded random stream drives every choice, and
nothing iterates an unordered set, so a seed always gives the same bytes.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from enforce_share.members import FOUNDING

from . import bodies
from .bodies import END, START
from .entities import Entity, Report, actor_body
from .network import Network, new_network
from .registrar import Registrar

NETWORKS_KEPT = 400  # networks still under investigation; older ones get no new records
OPEN_KEPT = 200  # per agency: violations, cases and trends it may still update or withdraw


@dataclass(eq=False)
class Open:
    """The latest version of a violation or case its origin may still update or withdraw."""

    id: str
    body: dict
    marking: dict
    network: Network
    parties: tuple[Entity, ...] = ()


class Scenario:
    """The state of one seeded scenario of ``records`` drafts."""

    def __init__(self, records: int, seed: int) -> None:
        if records < 0:
            raise ValueError("records must not be negative")
        self.records, self.rng = records, random.Random(seed)
        self.written = 0  # drafts made so far
        self.entities = 0  # real-world entities reported at least once
        self.ents = (f"ent-{number:06d}" for number in itertools.count(1))
        self.networks: deque[Network] = deque(maxlen=NETWORKS_KEPT)
        self.recent: dict[str, deque[Entity]] = {}
        self.violations = {agency: deque[Open](maxlen=OPEN_KEPT) for agency in FOUNDING.codes}
        self.cases = {agency: deque[Open](maxlen=OPEN_KEPT) for agency in FOUNDING.codes}
        #: (id, marking) of each agency's recent trends: a withdrawal copies the marking.
        self.trends = {agency: deque[tuple[str, dict]](maxlen=OPEN_KEPT)
                       for agency in FOUNDING.codes}
        self.registrar = Registrar()  # grows with the companies made (a set of short keys)

    @property
    def today(self) -> date:
        """The scenario date of the next draft: the period unrolls over the stream."""
        return START + timedelta(days=(END - START).days * self.written // max(self.records, 1))

    def draft(self, origin: str, kind: str, body: dict, marking: dict | None = None,
              supersedes: str | None = None) -> dict:
        """A new draft of ``origin`` with a seeded UUID4 id and, unless given, a fresh marking."""
        self.written += 1
        return {"id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                "origin": origin, "type": kind,
                "marking": marking or bodies.marking(origin, self.rng),
                "supersedes": supersedes, "body": body}

    def network(self, fresh: float = 0.25) -> Network:
        """A network under investigation: a new one with probability ``fresh``."""
        if not self.networks or self.rng.random() < fresh:
            self.networks.append(new_network(self.rng, self.ents, self.recent, self.today,
                                             self.registrar))
            return self.networks[-1]
        return self.rng.choice(self.networks)

    def report(self, entity: Entity, agency: str) -> Iterator[dict]:
        """``agency``'s actor record of ``entity``, unless it has one already."""
        if agency in entity.reports:
            return
        draft = self.draft(agency, "actor", actor_body(entity, agency, self.rng))
        draft["truth"] = {"entity": entity.ent}
        if not entity.reports:
            self.entities += 1
        entity.reports[agency] = Report(draft["id"], draft["body"]["name"], draft["marking"],
                                        draft["body"])
        yield draft
