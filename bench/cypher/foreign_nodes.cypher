// Whether the graph holds anything besides a benchmark's: a user's real data is never wiped
// unless --force says so.
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH (marker:CdmGraphBench) RETURN count(marker) AS markers }
RETURN nodes, markers
