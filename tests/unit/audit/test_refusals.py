"""Repeated refusals are written once a window, and the next one says how many were not."""

from __future__ import annotations

from enforce_share.audit import refusals
from enforce_share.audit.refusals import WINDOW, RefusalWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refusal_like_a_recent_one_is_counted_then_reported() -> None:
    clock = Clock()
    window = RefusalWindow(clock)
    flood = ("10.0.0.9", "anonymous", "GET /api/v1/records", "401")
    assert window.admit(flood) == 0
    assert [window.admit(flood) for _ in range(250)] == [None] * 250
    assert window.admit(("10.0.0.9", "anonymous", "GET /api/v1/search", "401")) == 0
    clock.now += WINDOW
    assert window.admit(flood) == 250  # written, saying how many were held back
    assert window.admit(flood) is None


def test_the_kinds_remembered_are_bounded(monkeypatch) -> None:
    monkeypatch.setattr(refusals, "KINDS", 100)
    window = RefusalWindow(Clock())
    for number in range(1000):  # a flood from a thousand sources
        assert window.admit((f"10.0.{number}", "anonymous", "GET /", "401")) == 0
    assert len(window._kinds) == 100
    assert window.admit(("10.0.0", "anonymous", "GET /", "401")) == 0  # forgotten: written
