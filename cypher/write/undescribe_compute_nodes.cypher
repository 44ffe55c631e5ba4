// A compute node deleted after its last description keeps only its key: it stays, as a stub
// (described = false), only while instances placed after the deletion rest on it.
// $keys: hostnames
MATCH (c:ComputeNode)
WHERE c.hostname IN $keys
SET c.described = false,
    c.status = null,
    c.state = null,
    c.disabled_reason = null,
    c.forced_down = null,
    c.availability_zone = null,
    c.service_uuid = null,
    c.service_version = null,
    c.last_seen_up = null,
    c.service_event_time = null,
    c.last_event = null
