"""``cdm-graph sync``: consume Nova's versioned notifications and keep the graph in step.

* ``handler``: one batch from the listener to a commit (decode, apply, dead letters,
  metrics), returning only once it may be acknowledged;
* ``duties``: the periodic duties (Browser labels, tombstone expiry, the rejected-body
  drain, reconcile), each isolated in a thread of its own;
* ``service``: the wiring, and a clean stop on SIGTERM or SIGINT;
* ``supervisor``: ``[sync] processes`` above 1, a parent running that many ``service``
  children in one pool, restarting one that dies, serving their metrics and health.
"""
