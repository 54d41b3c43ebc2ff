"""Repeated refusals, written to the audit trail once a window rather than once each.

A flood of refused requests (3,000 anonymous 401s added 14 MB in 22 s) would bury the trail
and fill the disk. A refusal like one written in the last ``WINDOW`` seconds (same source,
caller, action and outcome) is counted, not written; the next one written after the window
says how many were held back since (``held_back``). The first of each kind in each window
is always written, so a flood shows in the trail to the minute.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

#: Seconds during which refusals of one kind after the first are counted, not written.
WINDOW = 60.0
#: Kinds of refusal remembered at most (the oldest forgotten first: a flood from many
#: sources costs bounded memory; a forgotten kind is written again).
KINDS = 10_000


class RefusalWindow:
    """Decides, for one process, which refusals are written."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kinds: OrderedDict[Hashable, list[float | int]] = OrderedDict()  # since, held
        self._lock = threading.Lock()

    def admit(self, kind: Hashable) -> int | None:
        """None if a refusal of ``kind`` is only counted; else write it, with the number of
        refusals of its kind held back since the last one written (0 for none)."""
        now = self._clock()
        with self._lock:
            held = self._kinds.get(kind)
            if held is not None and now - held[0] < WINDOW:
                held[1] += 1
                self._kinds.move_to_end(kind)
                return None
            self._kinds[kind] = [now, 0]
            self._kinds.move_to_end(kind)
            if len(self._kinds) > KINDS:
                self._kinds.popitem(last=False)
            return int(held[1]) if held is not None else 0
