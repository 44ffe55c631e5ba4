"""Python's memory management around work on a whole cloud at once (a snapshot, a
reconcile's listing applied), and in a long-running consumer.

Such work makes millions of objects that live until it ends, and none of them is garbage.
Python's cyclic garbage collector, started by the allocations alone, then passes over all of
them again and again: 1.2-2.8 s of a 200,000-instance snapshot (3.1-4.3 s for all the rest),
and about a quarter of a reconcile's apply of 20,000 servers (measured). Reference counting
still frees every object without a cycle meanwhile; the cycles wait for the end.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block, and as it was after it. It is the
    process's: other threads' cycles wait too, for the block's length."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def freeze_what_lives_as_long_as_the_process() -> None:
    """Leave every object made so far out of the collector's later passes (``gc.freeze``).

    Called by a sync once it is set up, before it consumes: the modules, the configuration
    and the connections it made live as long as it does. Left in, each of the collector's
    full passes went over all of them again: about 100 ms every 1.5 s at 1,000
    notifications/s (measured), during which no batch moves (the tail of publish-to-commit
    latency). oslo.messaging, kombu and the driver make cyclic garbage with every message,
    so the passes keep coming; frozen, one takes about 13 ms. Nothing frozen is ever freed,
    which is right only for what the process keeps anyway.
    """
    gc.collect()
    gc.freeze()
