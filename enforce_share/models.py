"""Every table, imported in one place so Alembic sees the whole metadata."""

from .access.models import ApiToken, User, WebSession
from .audit.models import AuditEntry, AuditHead
from .db import Base
from .lists.models import ListEntry, ListImport
from .partners import Partner
from .records.models import Checkpoint, LogHead, Placeholder, Record, StoreClock
from .search.models import SavedSearch, SearchDoc, SearchHead
from .signing.models import TrustedKey
from .sync.models import Equivocation, Quarantined, SeenNonce, SyncState

__all__ = [
    "ApiToken", "AuditEntry", "AuditHead", "Base", "Checkpoint", "Equivocation", "ListEntry",
    "ListImport", "LogHead", "Partner", "Placeholder", "Quarantined", "Record", "SavedSearch",
    "SearchDoc", "SearchHead", "SeenNonce", "StoreClock", "SyncState", "TrustedKey", "User",
    "WebSession",
]
