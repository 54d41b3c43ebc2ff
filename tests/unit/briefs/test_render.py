"""Pictures and text escapes of briefs: the same data, the same bytes; no markup breaks out."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from enforce_share.briefs.render import css_string, md_cell
from enforce_share.briefs.timeline import Event, draw
from enforce_share.graph.picture import colour

TIMELINE = [
    Event("2026-01-01", "case opened", "GBR", "c", "Operation X"),
    Event("2026-01-05", "detected", "USA", "v1", "Drones to Russia via Armenia"),
    Event("2026-02-11", "seizure", "USA", "v1", "Drones to Russia via Armenia"),
    Event("2026-03-02", "detected", "GBR", "v2", "A very long violation title that goes on and "
          "on beyond what fits in one label"),
]


def test_the_timeline_picture_is_the_same_bytes_each_time() -> None:
    for fmt in ("png", "svg"):
        assert draw(TIMELINE, fmt) == draw(TIMELINE, fmt)
    assert draw(TIMELINE, "png") != draw(TIMELINE[:3], "png")


def test_the_timeline_picture_colours_each_agency() -> None:
    image = np.asarray(Image.open(io.BytesIO(draw(TIMELINE, "png"))).convert("RGB"), dtype=int)
    for agency in ("USA", "GBR"):
        target = np.array([int(colour(agency)[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(image - target).max(axis=2) <= 30).sum() > 50, agency
    assert b"<dc:date>" not in draw(TIMELINE, "svg")  # no date: briefs regenerate alike


def test_no_violation_no_picture() -> None:
    assert draw(TIMELINE[:1]) is None


def test_a_markdown_cell_cannot_open_a_column_or_markup() -> None:
    assert md_cell("a | b\n*c* [d](e) <script>") == \
        "a \\| b \\*c\\* \\[d\\](e) \\<script\\>"


def test_a_css_string_cannot_close_the_style_element() -> None:
    quoted = css_string('TLP:AMBER · releasable to GBR"; } </style><script>')
    assert quoted.startswith('"TLP:AMBER · releasable to GBR') and quoted.endswith('"')
    assert "<" not in quoted[1:-1] and '"' not in quoted[1:-1] and ";" not in quoted[1:-1]
