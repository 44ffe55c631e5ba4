"""``(:Aggregate {uuid})``: a Nova host aggregate, and ``(:AvailabilityZone {name})``, the
zones derived from aggregates.

Every aggregate event (``AggregatePayload`` 1.0, 1.1) and every aggregate of
``/os-aggregates`` carries the whole aggregate: its id, name, metadata and host list. A zone
is no element Nova notifies about: it is the ``availability_zone`` metadata of aggregates,
and the aggregate family keeps ``(:AvailabilityZone)-[:CONTAINS]->(:ComputeNode)`` from it.

Text sizes are those of Nova's API database (nova/db/api/models.py: ``aggregates.name``,
``aggregate_hosts.host``, ``aggregate_metadata.key`` and ``.value`` ``String(255)``,
``aggregates.uuid`` ``String(36)``).
"""

from __future__ import annotations

from cdm_graph.schema import ElementSchema, Form, Kind, Property, Role

COLUMN = 255
# The metadata key whose value is the aggregate's availability zone (Nova's own).
ZONE_KEY = "availability_zone"

AGGREGATE = ElementSchema(
    label="Aggregate",
    key="uuid",
    properties=(
        Property("id", Kind.INTEGER, notification="id", api="id",
                 help="Nova's integer id, what the os-aggregates API takes"),
        Property("name", Kind.TEXT, notification="name", api="name", max_length=COLUMN,
                 form=Form.NAME),
        Property("metadata", Kind.PAIRS, notification="metadata", api="metadata",
                 max_length=COLUMN, help="sorted key=value strings"),
        Property("availability_zone", Kind.TEXT, api="availability_zone", derived=True,
                 max_length=COLUMN, form=Form.NAME,
                 help="the availability_zone metadata value, or null"),
        Property("hosts", Kind.TEXTS, notification="hosts", api="hosts", max_length=COLUMN,
                 form=Form.NAME,
                 help="sorted hostnames: the newest event's whole host list"),
        Property("event_time", Kind.CLOCK, Role.BOOKKEEPING),
        Property("last_event", Kind.TEXT, Role.BOOKKEEPING),
    ),
    key_source=Property("uuid", Kind.TEXT, notification="uuid", api="uuid", max_length=36,
                        form=Form.UUID),
)

# What an aggregate event says of its aggregate (availability_zone derived from metadata).
DESCRIPTION_FIELDS: tuple[str, ...] = AGGREGATE.names_of(Role.DESCRIPTION)
# What cypher/batch/aggregate/write.cypher writes.
WRITTEN_FIELDS: tuple[str, ...] = AGGREGATE.names

AVAILABILITY_ZONE = ElementSchema(
    label="AvailabilityZone",
    key="name",
    properties=(),
    # An aggregate's availability_zone metadata, or [graph] default_availability_zone.
    key_source=Property("name", Kind.TEXT, api="zone", max_length=COLUMN, form=Form.NAME),
)
