"""Edges to the outside world: files, peers and formats (installed as enforce_share.adapters)."""
