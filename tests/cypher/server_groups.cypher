// Every server group with its properties and the instances its HAS_MEMBER edges reach, the
// group tombstones, and the ServerGroupMember pairs (keyed "group instance"): the server
// group family's share of the graph as plain data.
MATCH (g:ServerGroup)
RETURN 'ServerGroup' AS label, g.uuid AS key, properties(g) AS props,
       [(g)-[:HAS_MEMBER]->(i:Instance) | i.uuid] AS has_member
UNION ALL
MATCH (t:ServerGroupTombstone)
RETURN 'ServerGroupTombstone' AS label, t.uuid AS key, properties(t) AS props, [] AS has_member
UNION ALL
MATCH (m:ServerGroupMember)
RETURN 'ServerGroupMember' AS label, m.group + ' ' + m.instance AS key, properties(m) AS props,
       [] AS has_member
