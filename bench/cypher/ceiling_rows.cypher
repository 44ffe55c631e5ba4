// Neo4j's own ceiling: one batch's rows made inside Neo4j, nothing per row crossing the
// driver, in the shape cdm-graph's batch statements take. bench/ceiling.py follows this with
// those statements themselves (lock, read, unhost, write), each in a CALL subquery
// reading `rows`, `uuids` or `hostnames` where the statement reads $rows or $keys:
// the same MERGEs and SETs, the same transaction size.
// Row n is instance 'ceiling-instance-<n>' on host 'ceiling-compute-<(n + $round) % $hosts>':
// a new $round moves every row to another host, as most of Nova's events re-place an instance.
// $template: map, one instance's properties as cdm-graph's write takes them (every key)
// $first, $stride: int, the batch is instances ($first + k * $stride) % $instances, k < $size
// $size: int, rows in the batch; $instances, $hosts: int, the ceiling's cloud
// $round: int; $event_time_us: int, microseconds since the epoch
WITH $template AS template,
     [k IN range(0, $size - 1) | ($first + k * $stride) % $instances] AS picks
// Each host once, as the batches lock them; made before the rows, whose size would weigh on
// every row of the DISTINCT. Keys go unsorted: one writer keeps no lock order.
WITH template, picks,
     COLLECT { UNWIND picks AS n RETURN DISTINCT (n + $round) % $hosts AS h } AS host_numbers
WITH [h IN host_numbers | 'ceiling-compute-' + toString(h)] AS hostnames,
     [n IN picks | {
       uuid: 'ceiling-instance-' + toString(n),
       hostname: 'ceiling-compute-' + toString((n + $round) % $hosts),
       since_us: $event_time_us + n,
       since_rank: template.host_since_rank,
       since_id: template.host_since_id,
       describe: true,
       flavorid: null,
       properties: template {
         .*,
         name: 'vm-' + toString(n),
         host: 'ceiling-compute-' + toString((n + $round) % $hosts),
         node: 'ceiling-compute-' + toString((n + $round) % $hosts),
         event_time_us: $event_time_us + n,
         host_since_us: $event_time_us + n,
         authoritative_at_us: $event_time_us + n,
         authoritative_host: 'ceiling-compute-' + toString((n + $round) % $hosts),
         authoritative_node: 'ceiling-compute-' + toString((n + $round) % $hosts)
       }
     }] AS rows
WITH rows, hostnames, [row IN rows | row.uuid] AS uuids
