"""Transparent logs: RFC 9162 Merkle trees over each origin's log, and proofs from them."""
