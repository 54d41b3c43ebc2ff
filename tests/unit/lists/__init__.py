"""Where the list tests find their files: the shared snapshots and the fixtures here."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The real snapshots (``/work/shared/data`` beside the checkout; see its README).
DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
SNAPSHOTS = DATA / "screening-lists"
FIXTURES = Path(__file__).parent / "data"


def need_snapshots() -> None:
    """Skip, saying why, where the shared snapshots are not beside the checkout."""
    if not SNAPSHOTS.is_dir():
        pytest.skip(f"the list snapshots are not at {SNAPSHOTS}")
