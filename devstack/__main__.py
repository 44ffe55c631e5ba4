"""``python -m devstack up|down|status [neo4j|rabbitmq]``, what ``tools/stack`` runs."""

import sys

from devstack.stack import main

sys.exit(main())
