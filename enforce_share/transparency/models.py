"""The stored Merkle tree of each origin's log: the hash of every perfect subtree held."""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class MerkleNode(Base):
    """The RFC 9162 hash of the perfect subtree of ``origin``'s log at (``level``,
    ``index``): leaves ``index * 2**level`` to ``(index + 1) * 2**level - 1`` (0-based, leaf
    i is seq i + 1), from level 1 up (a leaf is read from its entry). Written once, as the
    subtree fills."""

    __tablename__ = "merkle_nodes"

    origin: Mapped[str] = mapped_column(String(3), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
