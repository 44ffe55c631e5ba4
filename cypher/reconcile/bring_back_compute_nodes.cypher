// Brings back the time of each compute node's description to $to_us, just before a listing
// began: a service event stamped it ahead of this host's clock by more than
// [graph] max_clock_skew (a publisher whose clock was wrong, before such events were
// refused), and nothing else would outvote it. The listing, and every service event after
// it, are then newer. The nodes are locked (batch/compute_node/lock).
// $keys: hostnames; $to_us: microseconds since the epoch (UTC)
UNWIND $keys AS hostname
MATCH (c:ComputeNode {hostname: hostname})
SET c.service_event_time_us = $to_us,
    c.service_event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: $to_us})
