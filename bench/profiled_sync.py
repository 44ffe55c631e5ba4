"""``cdm-graph sync`` under cProfile, every thread of it: ``python -m bench.profiled_sync
sync`` in place of ``python -m cdm_graph.cli sync``, the figures written to the file
``$CDM_GRAPH_BENCH_PROFILE`` when it stops.

cProfile sees only the thread that enables it, and the sync's work is in oslo.messaging's
threads (the poller, the executor's workers): each thread gets a profiler of its own as it
starts, and their figures are merged. Each counts its thread's CPU time (``thread_time``),
not the wall clock, so that threads waiting (for a message, for Neo4j, for the next duty)
count for nothing.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import threading
import time
from types import FrameType
from typing import Any

from cdm_graph import cli

PROFILE_ENV = "CDM_GRAPH_BENCH_PROFILE"


def main() -> int:
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def profile_this_thread(_frame: FrameType, _event: str, _arg: Any) -> None:
        # threading calls this hook at a new thread's first call: hand over to cProfile.
        sys.setprofile(None)
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append(profile)
        profile.enable()

    threading.setprofile(profile_this_thread)
    main_thread = cProfile.Profile(time.thread_time)
    main_thread.enable()
    try:
        return cli.main(sys.argv[1:])
    finally:
        main_thread.disable()
        threading.setprofile(None)
        stats = pstats.Stats(main_thread)
        with lock:
            for profile in profiles:
                # A thread still running (a periodic duty) is read as it stands.
                stats.add(profile)
        stats.dump_stats(os.environ[PROFILE_ENV])


if __name__ == "__main__":
    sys.exit(main())
