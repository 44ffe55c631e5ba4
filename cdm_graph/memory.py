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


# Python's second threshold for a consumer: how many collections of the youngest generation
# pass between two of the middle one (Python's default: 10).
MIDDLE_GENERATION_SPAN = 200


def let_messages_in_flight_die_young() -> None:
    """Collect the collector's middle generation every ``MIDDLE_GENERATION_SPAN`` collections
    of the youngest, not every 10 (``gc.set_threshold``; the youngest's threshold and the
    oldest's stay Python's).

    A message's objects live from oslo.messaging's decoding until its batch commits: about
    half a second on a backlog, with up to the prefetch (2,000 messages) decoded or waiting.
    The youngest generation is collected every few messages, so they all outlive it. At
    Python's default the middle one then came every 35 ms or so: each object of every message
    in flight was passed over there too, promoted to the oldest generation, and passed over
    again by its full passes. Collected every 200, the middle generation spans most of a
    message's life, and most of them are gone by its pass (draining 40,000 Nova-shaped
    messages: the collector's time 37-58 µs a message at the default, 17-30 µs at 200; peak
    RSS 125 MiB against 136 MiB; a pass of the middle generation 15-21 ms, one every 0.7 s
    or so). A reference cycle waits that much longer to be freed.
    """
    young, _, old = gc.get_threshold()
    gc.set_threshold(young, MIDDLE_GENERATION_SPAN, old)


def ready_to_consume() -> None:
    """The collector as a consumer wants it, called once it is set up and before it starts
    consuming: what was made so far frozen, the middle generation collected seldom (the two
    functions above). The sync and the bench's no-op listener with the sync's settings call
    this one function, so that the ceiling follows the sync's settings."""
    freeze_what_lives_as_long_as_the_process()
    let_messages_in_flight_die_young()
