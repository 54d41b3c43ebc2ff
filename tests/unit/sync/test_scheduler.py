"""The scheduler's backoff and its one-per-node lock."""

from __future__ import annotations

import pytest

from enforce_share.errors import ConfigError
from enforce_share.sync.puller import Outcome
from enforce_share.sync.scheduler import Backoff, single_instance


def failed(peer: str = "GBR") -> list[Outcome]:
    return [Outcome(peer, origin, error="peer_unavailable") for origin in ("GBR", "CAN")]


def test_pause_doubles_after_each_failed_round_up_to_the_cap() -> None:
    backoff = Backoff(interval=10, max_backoff=100)
    pauses = []
    now = 0.0
    for _ in range(5):
        backoff.record("GBR", failed(), now)
        pauses.append(backoff.not_before["GBR"] - now)
        assert not backoff.due("GBR", now + pauses[-1] - 1)
        now += pauses[-1]
        assert backoff.due("GBR", now)
    assert pauses == [20, 40, 80, 100, 100]


def test_one_origin_pulled_resets_the_pause() -> None:
    backoff = Backoff(interval=10, max_backoff=100)
    backoff.record("GBR", failed(), 0.0)
    backoff.record("GBR", [Outcome("GBR", "GBR", stored=3), *failed()[1:]], 1.0)
    assert backoff.due("GBR", 1.0) and "GBR" not in backoff.failures


def test_a_failing_partner_does_not_delay_the_others() -> None:
    backoff = Backoff(interval=10, max_backoff=100)
    backoff.record("GBR", failed(), 0.0)
    assert backoff.due("CAN", 0.0) and not backoff.due("GBR", 0.0)


def test_a_second_scheduler_of_one_node_refuses_to_start(tmp_path) -> None:
    with single_instance(tmp_path):
        with pytest.raises(ConfigError, match="another scheduler runs"), \
                single_instance(tmp_path):
            pass
    with single_instance(tmp_path):  # released when the first stops
        pass
