"""What the prechecker's fork server holds before it forks a helper: the checking code, the
search document code, and the record validator compiled (0.6 s of CPU a process, which each
helper forked from here no longer pays). All of it is then frozen out of the collector's
sight, so a helper's collections never write to the pages it shares with the server (its
memory grew as they copied them one by one)."""

import gc

from ..search import terms  # noqa: F401 (the helpers' ``prepare``)
from . import precheck  # noqa: F401 (what the helpers run)
from .jsonschema import record_validator

record_validator()
gc.collect()
gc.freeze()
