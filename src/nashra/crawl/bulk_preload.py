"""What the bulk import's forkserver loads before it forks the workers (see
:func:`nashra.crawl.bulk.pool_context`): the workers' code, and the shipped section model, which
each worker would otherwise read on its first line (about a third of a second each). Loaded
once here, it is shared by every worker of the pool, page by page, until a worker writes to it.

The forkserver's objects are then frozen out of the garbage collector's reach (``gc.freeze``):
a worker's collections never walk them, nor touch, and so copy, their pages.
"""

from __future__ import annotations

import contextlib
import gc

import nashra.crawl.bulk  # noqa: F401  (the workers' code)
from nashra.enrich.classifier import shipped_model

# A model that fails to load fails again in each worker, on its first line, reported there.
with contextlib.suppress(Exception):
    shipped_model()
gc.freeze()
