"""The cyclic garbage collector of a long-running process (the API, the worker), settled
once its startup is done.

Why: a bulk request (`POST /actuals` with 200 campaigns x 30 days) allocates a few objects
per row, 100,000 and more per call, and all of them live until the answer is sent. With
CPython's default thresholds (700, 10, 10) the collector walks them again and again while
they pile up, and every full collection also walks every module, class and function
loaded at startup. Measured on the actuals import (bench/results.py, 30,000 rows): about
30% of the request's time went to the collector; with the collector off, 1.4x the rows/s.

`settle()` moves what startup made into the permanent generation (`gc.freeze()`: never
scanned again, never freed, which startup objects are not anyway) and raises the
thresholds so young objects are scanned in larger, rarer batches. Cycles are still
collected; only less often. Call it once, after startup and before serving.
"""

from __future__ import annotations

import gc

# allocations before a young collection; young collections before the middle one; middle before the oldest
THRESHOLDS = (50_000, 20, 100)


def settle() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
