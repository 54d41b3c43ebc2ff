"""A partner node over HTTP: signed GET requests (RFC 9421) to its feed and checkpoints,
JSON answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import requests

from enforce_share.errors import Error
from enforce_share.sync.httpsig import sign_request
from enforce_share.sync.puller import FeedPage


class PeerUnavailable(Error):
    """The peer did not answer, or answered with an error."""

    code = "peer_unavailable"
    status = 502


@dataclass
class HttpPeer:
    """The feed of the partner node of ``agency`` at ``url``, asked with this node's key."""

    agency: str
    url: str
    kid: str
    private_key: Any
    timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def feed(self, origin: str, after: int, limit: int) -> dict[str, Any]:
        """One page of ``origin``'s log after ``after``, as the peer holds it."""
        return self._page({"origin": origin, "after": after, "limit": limit})

    def entries(self, origin: str, seqs: Sequence[int]) -> dict[str, Any]:
        """The entries at ``seqs`` of ``origin``'s log, as the peer holds them."""
        return self._page({"origin": origin, "seqs": ",".join(str(seq) for seq in seqs)})

    def checkpoint(self, origin: str) -> Any:
        """The latest signed checkpoint of ``origin``'s log the peer holds (unchecked)."""
        try:
            return orjson.loads(self._get(f"/api/v1/checkpoints/{origin}", {}))
        except orjson.JSONDecodeError as exc:
            raise PeerUnavailable(f"{self.agency} answered with something not JSON") from exc

    def _page(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            page = FeedPage(self._get("/api/v1/feed", params))
        except orjson.JSONDecodeError as exc:
            raise PeerUnavailable(f"{self.agency} answered with something not JSON") from exc
        if not isinstance(page, dict) or not isinstance(page.get("entries"), list):
            raise PeerUnavailable(f"{self.agency} answered with something not a feed page")
        return page

    def _get(self, path: str, params: dict[str, Any]) -> bytes:
        prepared = requests.Request("GET", f"{self.url.rstrip('/')}{path}",
                                    params=params).prepare()
        sign_request(prepared, self.kid, self.private_key, self.agency)
        try:
            response = self.session.send(prepared, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PeerUnavailable(f"{self.agency} at {self.url}: {exc.__class__.__name__}"
                                  ) from exc
        if response.status_code != 200:
            raise PeerUnavailable(f"{self.agency} answered {response.status_code}: "
                                  f"{response.text[:200]}")
        return response.content

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()
