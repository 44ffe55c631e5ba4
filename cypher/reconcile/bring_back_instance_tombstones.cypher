// Brings back to $to_us, just before a listing began, every instance deletion stamped ahead
// of this host's clock by more than [graph] max_clock_skew (see bring_back_compute_nodes):
// such a tombstone would outvote every real event, and never expire. The listing, and every
// event after it, are then newer.
// $limit_us: this host's clock plus the bound; $to_us: microseconds since the epoch (UTC)
MATCH (t:InstanceTombstone)
WHERE t.deleted_at_us > $limit_us
SET t.deleted_at_us = $to_us,
    t.deleted_at = localdatetime('1970-01-01T00:00:00') + duration({microseconds: $to_us})
