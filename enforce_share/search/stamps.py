"""Keeping a process's in-memory view of search documents caught up, by stamp.

Stamps become visible in order (``models.SearchHead``): a reader that remembers the last
stamp it read need only read the documents stamped above it, up to the head it saw.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import SearchHead


class StampReader(ABC):
    """Something read from search documents (bitmaps, the actor graph) and their stamp."""

    stamp: int
    lock: Any  # a threading lock: one refresh at a time

    def refresh(self, session: Session, progress: Callable[[int], None] | None = None) -> int:
        """Read the documents stamped since the last refresh; returns how many were read."""
        head = session.scalar(select(SearchHead.stamp).where(SearchHead.id == 1)) or 0
        if head <= self.stamp:
            return 0
        with self.lock:
            if head <= self.stamp:
                return 0
            read = self._read(session, head, progress)
            self.stamp = head
            return read

    @abstractmethod
    def _read(self, session: Session, head: int,
              progress: Callable[[int], None] | None) -> int:
        """Read documents stamped above ``self.stamp`` up to ``head``."""
