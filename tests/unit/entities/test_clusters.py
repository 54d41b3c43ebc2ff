"""Clusters: union-find over matches, judgements first, ids that stay."""

from __future__ import annotations

from enforce_share.entities.clusters import Clusters, cluster

ORDER = {name: index for index, name in enumerate("ABCDEF")}


def as_sets(groups: dict[str, list[str]]) -> set[frozenset[str]]:
    return {frozenset(members) for members in groups.values()}


def test_matches_chain_into_one_cluster_named_by_its_earliest_member() -> None:
    groups = cluster("ABCD", ORDER, [(0.9, "C", "B"), (0.8, "B", "A")])
    assert groups == {"A": ["A", "B", "C"], "D": ["D"]}


def test_not_same_as_refuses_the_weaker_link_of_a_chain() -> None:
    groups = cluster("ABC", ORDER, [(0.9, "A", "B"), (0.8, "B", "C")], not_same_as=[("A", "C")])
    assert as_sets(groups) == {frozenset("AB"), frozenset("C")}
    groups = cluster("ABC", ORDER, [(0.7, "A", "B"), (0.8, "B", "C")], not_same_as=[("A", "C")])
    assert as_sets(groups) == {frozenset("A"), frozenset("BC")}


def test_judgements_hold_through_merges() -> None:
    clusters = Clusters(ORDER)
    clusters.keep_apart("A", "D")
    assert clusters.join("A", "B") and clusters.join("D", "E")
    assert not clusters.join("B", "E")  # B is with A, E with D
    assert clusters.join("C", "E") and not clusters.join("C", "A")


def test_keeping_apart_records_already_together_breaks_no_later_join() -> None:
    """A conflict arriving after a chain joined its two records (bench/graph.py's full
    scenario met one) made the cluster apart from itself: its next join raised KeyError,
    and every graph read of the node failed."""
    clusters = Clusters({"A": 1, "B": 2, "C": 0})
    assert clusters.join("A", "B")
    clusters.keep_apart("A", "B")
    assert clusters.join("B", "C")
    assert as_sets(clusters.groups("ABC")) == {frozenset("ABC")}
    clusters.keep_apart("A", "D")  # judgements on the cluster still hold after the join
    assert not clusters.join("D", "C")


def test_same_as_joins_what_the_scorer_would_not() -> None:
    groups = cluster("ABC", ORDER, [], same_as=[("C", "A")])
    assert as_sets(groups) == {frozenset("AC"), frozenset("B")}
    assert as_sets(cluster("AB", ORDER, [(0.99, "A", "B")], same_as=[("A", "B")],
                           not_same_as=[("A", "B")])) == {frozenset("A"), frozenset("B")}


def test_a_cluster_keeps_its_id_as_later_records_join() -> None:
    clusters = Clusters(ORDER)
    clusters.join("B", "C")
    assert clusters.find("C") == "B"
    clusters.join("F", "C")
    assert clusters.find("F") == "B"
