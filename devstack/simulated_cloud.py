"""The capacity of ``tools/run-local``'s simulated cloud: a reconcile against an emulated
Nova and Placement that describe the simulator's compute hosts.

No notification carries capacity; a real cloud's comes from ``cdm-graph reconcile`` (the
compute API and Placement). The simulator (``cdm-graph simulate``) publishes notifications
only, so without this every simulated host has unknown capacity. Before the simulator
starts, ``python -m devstack.simulated_cloud --hosts N --config-file FILE`` serves the API
emulator of the tests (``tests/openstack_emulator.py``) on 127.0.0.1 with the simulator's N
hosts (``compute-00001``...), each with the Placement inventory below, and runs
``cdm-graph reconcile`` against it. The listing shows no server: it is the cloud before the
simulation, so the reconcile also sweeps what an earlier simulation left in the graph. The
simulator's own events come after it and win, as Nova's would.

A tool of this repository, like the rest of ``devstack/``: not part of cdm-graph.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cdm_graph import cli
from tests.openstack_emulator import OpenStackEmulator, inventory

# A plausible compute node for the simulator's flavors (m1.tiny to m1.xlarge): 64 cores
# overcommitted 4 times, 256 GiB of which 4 GiB is kept for the host, 4 TB of local disk.
INVENTORIES = {
    "VCPU": inventory(64, allocation_ratio=4.0),
    "MEMORY_MB": inventory(262144, reserved=4096, allocation_ratio=1.0),
    "DISK_GB": inventory(4000),
}


def hostname(number: int) -> str:
    """The simulator's name of its ``number``-th compute host (cdm_graph.simulate)."""
    return f"compute-{number:05d}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.simulated_cloud")
    parser.add_argument("--hosts", type=int, default=20, help="the simulator's --hosts")
    parser.add_argument("--config-file", help="cdm-graph's configuration (the stack's)")
    args = parser.parse_args(argv)
    with OpenStackEmulator() as emulator:
        for number in range(1, args.hosts + 1):
            emulator.add_compute(hostname(number), inventories=INVENTORIES, vcpus=64,
                                 memory_mb=262144, local_gb=4000)
        # An openrc's variables name the emulator; cdm-graph's own (OS_<GROUP>__<OPTION>) stay.
        for name in [name for name in os.environ if name.startswith("OS_") and "__" not in name]:
            del os.environ[name]
        os.environ.update(emulator.environment())
        config = ["--config-file", args.config_file] if args.config_file else []
        return cli.main([*config, "reconcile"])


if __name__ == "__main__":
    sys.exit(main())
