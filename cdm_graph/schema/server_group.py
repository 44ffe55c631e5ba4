"""``(:ServerGroup {uuid})``: a Nova server group, as ``server_group.*`` notifications and
``/os-server-groups`` show it.

ServerGroupPayload 1.0 carries ``policies`` (a list holding one policy); 1.1 adds ``policy``
and ``rules`` (Nova's microversion 2.64 made the same change to the API). ``policy`` is
derived from whichever the source has. ``members`` is the whole list of instance uuids the
newest event names; ``(:ServerGroup)-[:HAS_MEMBER]->(:Instance)`` draws the members that are
live instances of the graph.

Text sizes are those of Nova's API database (nova/db/api/models.py, ``instance_groups``:
``name``, ``project_id``, ``user_id`` ``String(255)``, ``uuid`` ``String(36)``;
``instance_group_member.instance_uuid`` ``String(36)``).
"""

from __future__ import annotations

from cdm_graph.schema import ElementSchema, Form, Kind, Property, Role

TEXT, TEXTS, CLOCK, PAIRS = Kind.TEXT, Kind.TEXTS, Kind.CLOCK, Kind.PAIRS
BOOKKEEPING = Role.BOOKKEEPING
# Nova's String(255) columns.
COLUMN = 255
UUID_LENGTH = 36

# The policies Nova defines (nova/objects/instance_group.py, InstanceGroup.policy).
POLICIES: frozenset[str] = frozenset(
    {"affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"}
)

SERVER_GROUP = ElementSchema(
    label="ServerGroup",
    key="uuid",
    properties=(
        Property("name", TEXT, notification="name", api="name", max_length=COLUMN,
                 form=Form.NAME),
        Property("project_id", TEXT, notification="project_id", api="project_id",
                 max_length=COLUMN),
        Property("user_id", TEXT, notification="user_id", api="user_id", max_length=COLUMN),
        # 1.1's policy, else the one entry of 1.0's policies (the API's likewise, by
        # microversion): derived by the family.
        Property("policy", TEXT, api="policy", derived=True,
                 help="affinity, anti-affinity, soft-affinity or soft-anti-affinity"),
        # 1.1 and microversion 2.64 on; a 1.0 payload has none.
        Property("rules", PAIRS, notification="rules", api="rules",
                 help='"key=value" sorted, e.g. max_server_per_host=3'),
        Property("members", TEXTS, notification="members", api="members",
                 max_length=UUID_LENGTH,
                 help="the instance uuids the newest event names, sorted"),
        # The time and type of the event that wrote the description.
        Property("event_time", CLOCK, BOOKKEEPING),
        Property("last_event", TEXT, BOOKKEEPING),
    ),
    key_source=Property("uuid", TEXT, notification="uuid", api="id", max_length=UUID_LENGTH,
                        form=Form.UUID),
)

# What a server group event says of its group: the newest description wins whole.
DESCRIPTION_FIELDS: tuple[str, ...] = SERVER_GROUP.names_of(Role.DESCRIPTION)
# What cypher/batch/server_group/write.cypher writes of a group's description.
WRITTEN_FIELDS: tuple[str, ...] = (*DESCRIPTION_FIELDS, "event_time", "last_event")
