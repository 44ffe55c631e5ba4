"""Configuration options, registered with oslo.config as OpenStack services do.

Every option can also come from the environment as ``OS_<GROUP>__<OPTION>`` (oslo.config's
environment source), e.g. ``OS_NEO4J__PASSWORD``: that keeps the password out of argv and of
the configuration file.
"""

from __future__ import annotations

from collections.abc import Sequence

from oslo_config import cfg

from cdm_graph.gateway import Neo4jSettings
from cdm_graph.plan.clock import DEFAULT_AVAILABILITY_ZONE, DEFAULT_HINT_MARGIN

# Names the configuration file when no --config-file is given, as OS_CLIENT_CONFIG_FILE names
# clouds.yaml: a path, not a secret, so it may be exported in a shell.
CONFIG_FILE_ENV = "CDM_GRAPH_CONFIG_FILE"

neo4j_group = cfg.OptGroup("neo4j", title="Neo4j connection")
neo4j_opts = [
    cfg.StrOpt("uri", default="bolt://127.0.0.1:7687", help="Bolt or neo4j:// URI of the server."),
    cfg.StrOpt("username", default="neo4j", help="Neo4j user."),
    cfg.StrOpt(
        "password",
        secret=True,
        help="Neo4j password (required). Prefer the OS_NEO4J__PASSWORD environment variable "
        "or a configuration file only its owner can read.",
    ),
    cfg.StrOpt("database", default="neo4j", help="Database name."),
    cfg.IntOpt(
        "max_transaction_retry_time",
        default=5,
        min=1,
        help="Seconds the driver keeps retrying one transaction (deadlock, leader switch, lost "
        "connection) before cdm-graph's own backoff takes over. That backoff waits for an absent "
        "Neo4j as long as needed and a stop cuts it short; the driver's does not, so a stop "
        "while Neo4j is away takes up to about twice this.",
    ),
]

notifications_group = cfg.OptGroup("notifications", title="Nova's versioned notifications")
notifications_opts = [
    cfg.StrOpt("exchange", default="nova", help="Exchange Nova publishes to."),
    cfg.StrOpt("topic", default="versioned_notifications", help="Notification topic."),
    cfg.StrOpt(
        "pool",
        default="cdm-graph",
        help="Listener pool: the name of the queue cdm-graph consumes. Processes sharing a pool "
        "share the work; each pool gets every notification.",
    ),
]

sync_group = cfg.OptGroup("sync", title="The synchronizer (cdm-graph sync)")
sync_opts = [
    cfg.IntOpt(
        "batch_size",
        default=500,
        min=1,
        help="Notifications applied in one Neo4j transaction. The broker hands over at most "
        "[oslo_messaging_rabbit] rabbit_qos_prefetch_count unacknowledged messages; when "
        "that is 0 (unbounded), cdm-graph sets it to twice the batch size.",
    ),
    cfg.FloatOpt(
        "batch_timeout",
        default=0.05,
        min=0.01,
        help="Seconds a partial batch waits for more notifications before it is applied. "
        "It bounds how stale the graph is at low rates: a notification waits up to this "
        "long, then for its batch's transaction (bench/RESULTS.md gives p99 publish-to-commit "
        "at 1,000/s for 0.05, 0.1 and 0.5). It also bounds a batch under load: the consumer "
        "takes notifications off the queue for this long at most, so a shorter wait makes "
        "smaller batches, each with its transaction's fixed cost: while the sync is behind, "
        "the wait grows up to batch_timeout_max.",
    ),
    cfg.FloatOpt(
        "batch_timeout_max",
        default=0.5,
        min=0.01,
        help="The longest wait for a batch while the sync is behind. Each batch whose newest "
        "notification is a second or more behind Nova's clock doubles the wait, up to this; "
        "a batch less than a second behind brings it back to batch_timeout. Under a backlog "
        "the consumer takes notifications off the queue for the whole wait, so a longer one "
        "makes fuller batches, which cost less per message (Nova-shaped stream, 1,000 hosts: "
        "batches of 500 drained 1.07-1.36x as fast as batches of 80). At or below "
        "batch_timeout, the wait never grows.",
    ),
    cfg.IntOpt(
        "workers",
        default=2,
        min=1,
        help="Batches applied at once by one process (oslo.messaging's threading executor). "
        "Order does not matter: Nova's clock decides.",
    ),
    cfg.IntOpt(
        "processes",
        default=1,
        min=1,
        help="Consumer processes of cdm-graph sync, all in the same pool. 1: the one process "
        "consumes. More: a parent runs that many children, stops them on SIGTERM "
        "and restarts one that dies; it serves /metrics (summed over the children) and "
        "/healthz. Not the CPU count by default: each process holds its own prefetch of "
        "messages and its own Neo4j connections, and Neo4j and RabbitMQ often share the "
        "machine. Raise it when a sync process keeps a core busy while Neo4j does not, up "
        "to the cores Neo4j and RabbitMQ leave.",
    ),
    cfg.HostAddressOpt(
        "metrics_host", default="127.0.0.1", help="Address of the /metrics and /healthz server."
    ),
    cfg.PortOpt(
        "metrics_port",
        default=9725,
        help="Port of the Prometheus /metrics and /healthz server; 0 turns it off.",
    ),
    cfg.IntOpt(
        "tombstone_expiry_interval",
        default=3600,
        min=10,
        help="Seconds between two removals of expired tombstones.",
    ),
    cfg.IntOpt(
        "max_message_bytes",
        default=1024 * 1024,
        min=0,
        help="Largest notification payload applied, in bytes (its strings in UTF-8 and its "
        "structure: about its size as JSON); a larger one is set aside in the dead-letter "
        "store with its size, never partly written. Nova's own are a few kilobytes (each "
        "text field at most its 255-character column). 0 turns the bound off, and saves "
        "measuring each payload (a few microseconds).",
    ),
    cfg.IntOpt(
        "log_interval",
        default=60,
        min=1,
        help="Seconds between two INFO lines summing up the synchronizer's work: messages "
        "applied, skipped and dead-lettered, the rate and the lag. Each committed batch is "
        "logged at DEBUG.",
    ),
    cfg.IntOpt(
        "browser_labels_interval",
        default=60,
        min=0,
        help="Seconds between two refreshes of the compute nodes' display labels for the "
        "Neo4j Browser style (status, state, load: `cdm-graph browser label`); 0 turns "
        "them off.",
    ),
]

graph_group = cfg.OptGroup("graph", title="Graph upkeep")
graph_opts = [
    cfg.IntOpt(
        "tombstone_ttl",
        default=7 * 24 * 3600,
        min=60,
        help="Seconds a deleted instance, compute node or aggregate keeps its tombstone. A "
        "notification older than the deletion that arrives later than this can bring the "
        "element back.",
    ),
    cfg.FloatOpt(
        "hint_margin",
        default=DEFAULT_HINT_MARGIN.total_seconds(),
        min=0,
        help="Seconds by which a hint (instance.lock, power_on, pause, ...: the host the "
        "instance is on when it is sent) must be newer than the instance's last "
        "authoritative placement (create, migration, resize, unshelve, ...) to move it. "
        "Such a hint heals a move whose notifications were missed; within the margin the "
        "placement stands, so a source host whose clock runs ahead by less than this cannot "
        "undo a migration. Set it above the clock skew between your compute hosts.",
    ),
    cfg.StrOpt(
        "default_availability_zone",
        default=DEFAULT_AVAILABILITY_ZONE,
        help="The availability zone of a compute node that no aggregate with "
        "availability_zone metadata contains: set it as Nova's own "
        "[DEFAULT] default_availability_zone.",
    ),
    cfg.IntOpt(
        "max_clock_skew",
        default=300,
        min=1,
        help="Seconds a notification's timestamp (the publishing host's clock) may be ahead of "
        "this host's clock. One further ahead is not applied: it would outvote every real "
        "event after it. It is set aside in the dead-letter store with how far ahead it was, "
        "counted in cdm_graph_future_events_total, and applies once replayed (`cdm-graph "
        "deadletter replay`) when it is no longer ahead. A reconcile brings back any time "
        "the graph holds beyond this bound. Keep the hosts' clocks in step (NTP) and this "
        "above their drift.",
    ),
]

# Listed elements a reconcile applies in one transaction (see [reconcile] batch_size). With
# two writers, 200,000 servers applied in about 50 s at 500 a transaction, 54 s at 1,000 and
# 60 s at 2,000 (measured, alternated): Neo4j spends more per element on a larger
# transaction, and the two writers overlap in finer steps.
RECONCILE_BATCH_SIZE = 500
# Transactions a reconcile writes at once (see [reconcile] writers).
RECONCILE_WRITERS = 2

reconcile_group = cfg.OptGroup(
    "reconcile", title="Reconcile with Nova and Placement (cdm-graph reconcile)"
)
reconcile_opts = [
    cfg.IntOpt(
        "interval",
        default=0,
        min=0,
        help="Seconds between two reconciles inside cdm-graph sync, the first at start; "
        "0 turns the periodic reconcile off. Each reads every compute service, hypervisor, "
        "Placement inventory and server of the cloud.",
    ),
    cfg.StrOpt(
        "cloud",
        help="Cloud of clouds.yaml holding the credentials (as OS_CLOUD). When unset, "
        "openstacksdk reads OS_CLOUD or the OS_* variables (OS_AUTH_URL, OS_USERNAME, ...). "
        "The user needs the admin role: it lists all projects' servers and the hypervisors.",
    ),
    cfg.IntOpt(
        "page_size",
        default=1000,
        min=1,
        help="Items asked for per page of /servers/detail, /os-server-groups and "
        "/flavors/detail (Nova caps it at its [api] max_limit).",
    ),
    cfg.IntOpt(
        "batch_size",
        default=RECONCILE_BATCH_SIZE,
        min=1,
        help="Listed elements applied in one Neo4j transaction (a host's instances are "
        "never split: a transaction may hold up to one host's instances more). Each "
        "transaction locks the compute nodes its instances rest on until it commits; "
        "notifications of the same elements wait meanwhile.",
    ),
    cfg.IntOpt(
        "writers",
        default=RECONCILE_WRITERS,
        min=1,
        help="Batches of the listing written at once, each in a transaction of its own. "
        "The listed instances are grouped by the host they rest on, so that two batches "
        "seldom lock the same compute node: while Neo4j works on one, the next is prepared "
        "and sent. 1 writes one batch after another.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(neo4j_group)
    conf.register_opts(neo4j_opts, group=neo4j_group)
    conf.register_group(notifications_group)
    conf.register_opts(notifications_opts, group=notifications_group)
    conf.register_group(sync_group)
    conf.register_opts(sync_opts, group=sync_group)
    conf.register_group(graph_group)
    conf.register_opts(graph_opts, group=graph_group)
    conf.register_group(reconcile_group)
    conf.register_opts(reconcile_opts, group=reconcile_group)


def neo4j_settings(conf: cfg.ConfigOpts, group: str = neo4j_group.name) -> Neo4jSettings:
    """The Neo4j settings of ``group`` (``[neo4j]``, or a group holding ``neo4j_opts`` in
    another service's configuration, as Watcher's ``[cdm_graph]``)."""
    values = conf[group]
    if values.password is None:
        # Never a default password: the configuration names it.
        raise cfg.RequiredOptError("password", cfg.OptGroup(group))
    return Neo4jSettings(
        uri=values.uri,
        username=values.username,
        password=values.password,
        database=values.database,
        max_transaction_retry_time=values.max_transaction_retry_time,
    )


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    """Entry point for oslo-config-generator."""
    return [
        ("neo4j", neo4j_opts),
        ("notifications", notifications_opts),
        ("sync", sync_opts),
        ("graph", graph_opts),
        ("reconcile", reconcile_opts),
    ]
