"""RFC 3339 UTC timestamps as records carry them (``2026-11-22T10:00:00.123456Z``)."""

from __future__ import annotations

from datetime import UTC, datetime


def timestamp(moment: datetime | None = None) -> str:
    """Format ``moment`` (default now) as an RFC 3339 UTC timestamp with microseconds."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 UTC timestamp ending in ``Z``; ValueError otherwise."""
    if not text.endswith("Z"):
        raise ValueError(f"timestamp must be UTC and end in 'Z': {text!r}")
    return datetime.fromisoformat(text[:-1] + "+00:00")
