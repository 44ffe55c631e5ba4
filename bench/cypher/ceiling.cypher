// Neo4j's own ceiling for the instance writes of a batch: one bare MERGE per row, no guard,
// no lock, no read. What cdm-graph's apply is measured against.
// $rows: list of {uuid: string, props: map of scalar and list values}
UNWIND $rows AS row
MERGE (i:Instance {uuid: row.uuid})
SET i += row.props
