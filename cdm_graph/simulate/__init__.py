"""``cdm-graph simulate``: a synthetic Nova publishing a realistic notification stream."""

from cdm_graph.simulate.simulator import *  # noqa: F403
