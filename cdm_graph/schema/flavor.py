"""``(:Flavor {flavorid})``: a Nova flavor, as ``flavor.*`` notifications and
``/flavors/detail`` show it.

A flavor known only because instances name it (their ``flavor.flavorid``) is a stub:
``described`` is false and it has nothing else. An instance keeps its own embedded flavor
figures (what it was built with); ``(:Instance)-[:OF_FLAVOR]->(:Flavor)`` only says which
flavor that was.

FlavorPayload's fields arrive by minor version: 1.0 has ``flavorid``, ``memory_mb``,
``vcpus``, ``root_gb`` and ``ephemeral_gb``; 1.1 adds ``name``, ``swap``, ``rxtx_factor``,
``vcpu_weight``, ``disabled`` and ``is_public``; 1.2 adds ``extra_specs`` and ``projects``
(1.3 lets both be null: Nova does not always have them loaded); 1.4 adds ``description``.
A field an older payload lacks is null here.

Text sizes are those of Nova's API database (nova/db/api/models.py): ``flavors.name`` and
``flavors.flavorid`` ``String(255)``, ``flavor_extra_specs`` key and value ``String(255)``,
``flavor_projects.project_id`` ``String(255)``; ``description`` is a ``Text`` the API caps at
65535 characters.
"""

from __future__ import annotations

from cdm_graph.schema import ElementSchema, Form, Kind, Property, Role

TEXT, TEXTS, INTEGER, NUMBER, BOOLEAN, CLOCK, PAIRS = (
    Kind.TEXT, Kind.TEXTS, Kind.INTEGER, Kind.NUMBER, Kind.BOOLEAN, Kind.CLOCK, Kind.PAIRS
)
BOOKKEEPING = Role.BOOKKEEPING
# Nova's String(255) columns.
COLUMN = 255
# The most characters Nova's API takes for a flavor's description.
DESCRIPTION_LENGTH = 65535

FLAVOR = ElementSchema(
    label="Flavor",
    key="flavorid",
    properties=(
        Property("name", TEXT, notification="name", api="name", max_length=COLUMN),
        Property("memory_mb", INTEGER, notification="memory_mb", api="ram"),
        Property("vcpus", INTEGER, notification="vcpus", api="vcpus"),
        Property("root_gb", INTEGER, notification="root_gb", api="disk"),
        Property("ephemeral_gb", INTEGER, notification="ephemeral_gb",
                 api="OS-FLV-EXT-DATA:ephemeral"),
        # MB; before microversion 2.75 the API shows "" for no swap.
        Property("swap", INTEGER, notification="swap", api="swap"),
        Property("rxtx_factor", NUMBER, notification="rxtx_factor", api="rxtx_factor"),
        # Not shown by the API: a listing keeps what notifications wrote.
        Property("vcpu_weight", INTEGER, notification="vcpu_weight"),
        Property("disabled", BOOLEAN, notification="disabled", api="OS-FLV-DISABLED:disabled"),
        Property("is_public", BOOLEAN, notification="is_public",
                 api="os-flavor-access:is_public"),
        # The projects a private flavor is shared with, sorted ([] for a public flavor); the
        # API shows them at /flavors/{id}/os-flavor-access.
        Property("projects", TEXTS, notification="projects", max_length=COLUMN,
                 help="project ids with access, sorted; null where Nova did not say"),
        Property("extra_specs", PAIRS, notification="extra_specs", api="extra_specs",
                 max_length=COLUMN),
        Property("description", TEXT, notification="description", api="description",
                 max_length=DESCRIPTION_LENGTH),
        # The time and type of the event that wrote the description.
        Property("event_time", CLOCK, BOOKKEEPING),
        Property("last_event", TEXT, BOOKKEEPING),
        Property("described", BOOLEAN, BOOKKEEPING,
                 help="false while known only from the instances of the flavor (a stub)"),
    ),
    key_source=Property("flavorid", TEXT, notification="flavorid", api="id", max_length=COLUMN,
                        form=Form.NAME),
)

# What a flavor event says of its flavor: the newest description wins whole.
DESCRIPTION_FIELDS: tuple[str, ...] = FLAVOR.names_of(Role.DESCRIPTION)
# What upsert writes (cypher/batch/flavor/upsert.cypher), beside described.
WRITTEN_FIELDS: tuple[str, ...] = (*DESCRIPTION_FIELDS, "event_time", "last_event")
