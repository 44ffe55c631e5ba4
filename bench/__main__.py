"""``python -m bench``: every benchmark in one run; the table goes to bench/RESULTS.md.

Needs Neo4j and RabbitMQ (``tools/stack up``). The Neo4j must be the benchmark's own: it
is wiped before each size and at the end, and a graph holding other data is refused unless
``--force``. Where they are: ``NEO4J_URI`` / ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD`` and
``TRANSPORT_URL`` when set, else the local stack (``CDM_GRAPH_STACK_DIR`` and
``CDM_GRAPH_NEO4J_BOLT_PORT`` select a second one).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bench.graph import ForeignData
from bench.run import FULL, QUICK, run
from devstack import stack

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--force", action="store_true", help="wipe a graph holding other data")
    parser.add_argument(
        "--profile", action="store_true",
        help="also profile process_batch and the sync (cProfile) at the first size; the "
        "tables go to the results' 'Where the time goes'",
    )  # fmt: skip
    parser.add_argument(
        "--output", type=Path, help=f"where the table goes (default {RESULTS}; --quick: stdout "
        "only unless given)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # The driver and oslo log a line per retry or connection; the bench's own lines suffice.
    for name in ("neo4j", "oslo_messaging", "openstack", "keystoneauth", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Watcher logs every notification at INFO, and a traceback for each instance it cannot
    # map; silenced, which spares it that cost (the messages it raises on are counted).
    logging.getLogger("watcher").setLevel(logging.CRITICAL)

    if os.environ.get("NEO4J_URI"):
        target = {
            "uri": os.environ["NEO4J_URI"],
            "username": os.environ.get("NEO4J_USERNAME", "neo4j"),
            "password": os.environ.get("NEO4J_PASSWORD"),
        }
    else:
        target = stack.neo4j_settings()
    transport_url = os.environ.get("TRANSPORT_URL") or stack.transport_url()
    output = args.output or (Path(os.devnull) if args.quick else RESULTS)
    try:
        report = run(
            QUICK if args.quick else FULL, target, transport_url, output, args.force, args.profile
        )
    except ForeignData as refused:
        print(f"python -m bench: {refused}", file=sys.stderr)
        return 2
    print(report.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
