// Brings back the clocks of each instance that were ahead of this host's clock by more than
// [graph] max_clock_skew to just before a listing began (see bring_back_compute_nodes): the
// listing, and every notification after it, are then newer. Each clock comes as it is to be
// kept (the ones that were not ahead, unchanged). The instances are locked
// (batch/instance/lock); their HOSTS edges follow (bring_back_hosts).
// $rows: [{uuid, event_time_us, host_since_us, authoritative_at_us, hinted_at_us}],
// microseconds since the epoch (UTC)
UNWIND $rows AS row
MATCH (i:Instance {uuid: row.uuid})
SET i.event_time_us = row.event_time_us,
    i.event_time = localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.event_time_us}),
    i.host_since_us = row.host_since_us,
    i.host_since = CASE WHEN row.host_since_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.host_since_us}) END,
    i.authoritative_at_us = row.authoritative_at_us,
    i.authoritative_at = CASE WHEN row.authoritative_at_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.authoritative_at_us}) END,
    i.hinted_at_us = row.hinted_at_us,
    i.hinted_at = CASE WHEN row.hinted_at_us IS NOT NULL
      THEN localdatetime('1970-01-01T00:00:00') + duration({microseconds: row.hinted_at_us}) END
