"""Every table, imported in one place so Alembic sees the whole metadata."""

from .access.models import ApiToken, User, WebSession
from .audit.models import AuditEntry, AuditHead
from .db import Base
from .lists.models import ListEntry, ListImport
from .partners import Partner
from .records.models import Checkpoint, Disavowal, LogHead, Placeholder, Record, StoreClock
from .search.models import SavedSearch, SearchDoc, SearchHead
from .signing.models import MembershipVersion, RootVersion, TrustedKey
from .sync.models import Equivocation, Quarantined, SeenNonce, SyncState
from .transparency.models import MerkleNode

__all__ = [
    "ApiToken", "AuditEntry", "AuditHead", "Base", "Checkpoint", "Disavowal", "Equivocation",
    "ListEntry", "ListImport", "LogHead", "MembershipVersion", "MerkleNode", "Partner",
    "Placeholder", "Quarantined", "Record", "RootVersion", "SavedSearch", "SearchDoc",
    "SearchHead", "SeenNonce", "StoreClock", "SyncState", "TrustedKey", "User", "WebSession",
]
