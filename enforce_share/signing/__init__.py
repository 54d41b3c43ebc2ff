"""Signatures: detached JWS over RFC 8785 canonical JSON, node keys, and the trust registry."""
