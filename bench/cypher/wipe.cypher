// Empties the benchmark's own graph in bounded transactions (the large cloud does not fit
// one transaction's memory). Constraints and indexes stay. Auto-commit only.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
