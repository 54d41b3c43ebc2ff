"""What the prechecker's fork server holds before it forks a helper: the checking code, the
search document code, and the record validator compiled (0.6 s of CPU a process, which each
helper forked from here no longer pays)."""

from ..search import terms  # noqa: F401 (the helpers' ``prepare``)
from . import precheck  # noqa: F401 (what the helpers run)
from .jsonschema import record_validator

record_validator()
