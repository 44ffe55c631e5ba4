"""What the gateway hands the driver: the statement's values, whole, shown briefly."""

from __future__ import annotations

from typing import Any

from cdm_graph import gateway


class Recorded:
    """A transaction that keeps what it was asked to run."""

    def run(self, query: str, parameters: dict[str, Any]) -> Recorded:
        self.query, self.parameters = query, parameters
        return self

    def consume(self) -> None:
        """A statement's result, read to its end."""


def test_a_statements_parameters_reach_the_driver_whole():
    tx = Recorded()
    rows = [{"uuid": "u1", "properties": {"name": "vm"}}]
    gateway.run(tx, "batch/instance/write", rows=rows)
    assert tx.parameters == {"rows": rows}
    assert tx.query.startswith("// Writes each instance")


def test_a_statements_lists_and_maps_show_as_their_size_in_the_drivers_debug_log():
    # The driver formats every RUN for its debug log, on or off: a 2,000-row batch each time.
    tx = Recorded()
    gateway.run(tx, "batch/instance/remove", keys=["u1", "u2"], rows=[], limit=3)
    assert repr(tx.parameters) == "{'keys': <2 items>, 'rows': <0 items>, 'limit': 3}"


def test_statements_in_sequence_show_each_statements_map_as_its_size():
    tx = Recorded()
    gateway.run_in_sequence(tx, [("batch/instance/lock", {"keys": ["u1"]}),
                                 ("batch/compute_node/lock", {"keys": ["h1"]})])
    assert tx.parameters == {"s0": {"keys": ["u1"]}, "s1": {"keys": ["h1"]}}
    assert repr(tx.parameters) == "{'s0': <1 entries>, 's1': <1 entries>}"
