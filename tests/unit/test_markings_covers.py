"""markings.covers: a withdrawal or new version must reach everyone its target reached."""

from __future__ import annotations

import pytest

from enforce_share.markings import TLP_ORDER, covers, releasable
from enforce_share.members import FOUNDING


def test_the_same_marking_covers() -> None:
    assert covers("amber", ["GBR", "USA", "CAN"], "amber", ["GBR", "USA", "CAN"])


def test_more_agencies_cover() -> None:
    assert covers("amber", ["USA", "CAN", "NZL"], "amber", ["USA", "CAN"])


def test_a_missing_agency_does_not_cover() -> None:
    assert not covers("amber", ["USA"], "amber", ["USA", "CAN"])


def test_a_red_record_covers_nothing_released() -> None:
    assert not covers("red", ["USA", "CAN"], "amber", ["USA"])


@pytest.mark.parametrize("tlp", TLP_ORDER)
def test_anything_covers_a_red_target(tlp: str) -> None:
    assert covers(tlp, ["GBR"], "red", ["GBR", "USA", "CAN"])


def test_an_unknown_target_level_released_nothing_so_anything_covers() -> None:
    assert covers("amber", ["GBR"], "secret", ["USA", "CAN"])


def test_an_unknown_level_releases_nothing_so_covers_no_released_target() -> None:
    assert not covers("secret", ["USA", "CAN"], "amber", ["USA"])


def test_the_level_itself_does_not_matter_between_shareable_levels() -> None:
    assert covers("amber+strict", ["USA", "CAN"], "clear", ["USA", "CAN"])
    assert covers("clear", ["USA", "CAN"], "amber+strict", ["USA", "CAN"])


def test_order_and_repeats_do_not_matter() -> None:
    assert covers("green", ("CAN", "USA", "CAN"), "green", ["USA", "CAN", "USA"])


def test_any_iterables_are_read_once() -> None:
    assert covers("green", iter(["CAN", "USA"]), "green", iter(["USA", "CAN"]))
    assert not covers("green", iter(["USA"]), "green", iter(["USA", "CAN"]))


@pytest.mark.parametrize("tlp", TLP_ORDER)
@pytest.mark.parametrize("target_tlp", TLP_ORDER)
def test_covers_means_every_agency_the_target_reached_is_reached(
    tlp: str, target_tlp: str
) -> None:
    for mask in range(1 << len(FOUNDING.codes)):
        for target_mask in range(1 << len(FOUNDING.codes)):
            agencies = [a for i, a in enumerate(FOUNDING.codes) if mask >> i & 1]
            target = [a for i, a in enumerate(FOUNDING.codes) if target_mask >> i & 1]
            expected = all(releasable(tlp, agencies, agency) for agency in FOUNDING.codes
                           if releasable(target_tlp, target, agency))
            assert covers(tlp, agencies, target_tlp, target) is expected
