"""enforce-share: a node for signed export-enforcement intelligence shared among partner agencies."""

__version__ = "0.1.0"
