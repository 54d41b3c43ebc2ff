"""A search query: read once from request arguments, CLI options or a saved search."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from marshmallow import ValidationError

from ..errors import InvalidInput
from .schema import SearchQuerySchema

_SCHEMA = SearchQuerySchema()
LISTS = ("type", "origin", "country", "hs", "eccn", "violation_type", "method", "action",
         "tlp", "case", "actor")


@dataclass(frozen=True)
class Query:
    """What to find (filters AND together, values of one filter OR), in which order."""

    type: tuple[str, ...] = ()
    origin: tuple[str, ...] = ()
    from_: str | None = None
    to: str | None = None
    country: tuple[str, ...] = ()
    hs: tuple[str, ...] = ()
    eccn: tuple[str, ...] = ()
    violation_type: tuple[str, ...] = ()
    method: tuple[str, ...] = ()
    action: tuple[str, ...] = ()
    tlp: tuple[str, ...] = ()
    case: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    name: str | None = None
    q: str | None = None
    sort: str | None = None
    limit: int = 50
    cursor: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, loaded: Mapping[str, Any]) -> Query:
        """From the output of ``SearchQuerySchema().load``."""
        return cls(**{key: tuple(value) if key in LISTS else value
                      for key, value in loaded.items()})

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> Query:
        """From parameters as sent (``from``, lists as lists); InvalidInput names the field."""
        try:
            return cls.of(_SCHEMA.load(dict(params)))
        except ValidationError as exc:
            raise InvalidInput("Invalid search", exc.normalized_messages()) from None

    @property
    def order(self) -> str:
        """The sort in effect: as asked, else relevance when there is text or a name."""
        return self.sort or ("relevance" if self.q or self.name else "newest")

    def params(self) -> dict[str, Any]:
        """The query as parameters (what ``parse`` reads; saved searches keep this)."""
        values = {("from" if key == "from_" else key): list(value) if key in LISTS else value
                  for key, value in asdict(self).items() if key != "cursor"}
        return {key: value for key, value in values.items() if value not in (None, [])}

    def fingerprint(self) -> str:
        """Identifies the filters and order (not the page): a cursor is valid for one query."""
        filters = {k: v for k, v in self.params().items() if k != "limit"}
        return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:12]

