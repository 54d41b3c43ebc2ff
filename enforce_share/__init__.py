"""enforce-share: a node for signed export-enforcement intelligence among partner agencies."""

__version__ = "0.1.0"
