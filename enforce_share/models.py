"""Every table, imported in one place so Alembic sees the whole metadata."""

from .db import Base
from .partners import Partner
from .records.models import Checkpoint, LogHead, Record
from .signing.models import TrustedKey

__all__ = ["Base", "Checkpoint", "LogHead", "Partner", "Record", "TrustedKey"]
