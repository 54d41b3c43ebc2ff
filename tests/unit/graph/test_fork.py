"""Work split with a forked child: both halves done, once each, by two processes."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import pytest

from enforce_share.demo.scenario import generate_scenario
from enforce_share.graph import fork, index
from enforce_share.graph.index import GraphIndex


def squares(items: Sequence[int]) -> tuple[int, list[int]]:
    return os.getpid(), [item * item for item in items]


def test_each_item_is_done_once_by_one_of_two_processes() -> None:
    if not fork.may_fork():
        pytest.skip("one core here, or threads running: the work stays in one process")
    parts = fork.in_two(squares, list(range(1001)))
    assert len({pid for pid, _ in parts}) == 2 and parts[0][0] == os.getpid()
    assert sorted(value for _, values in parts for value in values) == [
        item * item for item in range(1001)]


def test_a_threaded_process_does_the_work_itself() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        ((pid, values),) = fork.in_two(squares, [1, 2, 3])
    finally:
        stop.set()
        thread.join()
    assert pid == os.getpid() and values == [1, 4, 9]


def test_a_child_that_dies_is_an_error_not_a_hang() -> None:
    if not fork.may_fork():
        pytest.skip("one core here, or threads running: nothing is forked")

    def dies_in_the_child(items: Sequence[int]) -> list[int]:
        if items and items[0] == 1:  # the child's share starts at item 1
            os._exit(3)
        return list(items)

    with pytest.raises(fork.ChildFailed):
        fork.in_two(dies_in_the_child, [0, 1, 2, 3])


def scored(monkeypatch: pytest.MonkeyPatch, fork_from: int) -> GraphIndex:
    monkeypatch.setattr(index, "FORK_FROM", fork_from)
    graph_index, arrived = GraphIndex(), []
    for draft in generate_scenario(3000, 4):
        if draft["type"] in ("actor", "violation", "link"):
            graph_index._hold(dict(draft, created="2026-01-01T00:00:00Z"), arrived)
    graph_index._score(arrived)
    return graph_index


def test_two_processes_score_what_one_does(monkeypatch: pytest.MonkeyPatch) -> None:
    if not fork.may_fork():
        pytest.skip("one core here, or threads running: nothing is forked")
    alone, helped = scored(monkeypatch, 10**9), scored(monkeypatch, 1)
    assert helped.events == alone.events
    assert {key: sorted(m.pack() for m in matches) for key, matches in helped.matches.items()} \
        == {key: sorted(m.pack() for m in matches) for key, matches in alone.matches.items()}
