"""cdm-graph: the Compute Data Model of an OpenStack cloud, kept in Neo4j."""

__version__ = "0.1.0"

import warnings

# oslo.messaging still imports eventlet, which warns on import; cdm-graph uses threads only.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
