"""Screening: parties and shipments against what the partners know and the reference lists."""
