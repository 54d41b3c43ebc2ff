"""What the prechecker's fork server loads last, before it forks a helper: the checking code
and the record validator compiled (0.6 s of CPU a process, which each helper forked from
here no longer pays). Everything the server holds is then frozen out of the collector's
sight, so a helper's collections never write to the pages it shares with the server."""

import gc

from . import precheck  # noqa: F401 (what the helpers run)
from .jsonschema import record_validator

record_validator()
gc.collect()
gc.freeze()
