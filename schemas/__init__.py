"""Marshmallow schemas for record bodies and the HTTP API (installed as enforce_share.schemas)."""
