"""The ``cdm-graph`` command."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import neo4j
from oslo_config import cfg
from oslo_log import log as oslo_log
from oslo_messaging import opts as oslo_messaging_opts

from cdm_graph import config
from cdm_graph.apply.pipeline import Guard
from cdm_graph.apply.writer import GraphWriter
from cdm_graph.gateway import Neo4jSettings
from cdm_graph.plan.clock import GuardSettings

LOG = logging.getLogger(__name__)


def config_files(args: argparse.Namespace) -> list[str]:
    """The --config-file options given, else the file ``CDM_GRAPH_CONFIG_FILE`` names; none
    means oslo.config's default search (/etc/cdm-graph/cdm-graph.conf and the like)."""
    if args.config_file:
        return list(args.config_file)
    from_environment = os.environ.get(config.CONFIG_FILE_ENV)
    return [from_environment] if from_environment else []


def load_config(args: argparse.Namespace) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    config.register(conf)
    oslo_log.register_options(conf)
    # oslo.messaging's own options ([DEFAULT] transport_url, [oslo_messaging_rabbit], ...),
    # so that a configuration file and OS_* variables may set them before a transport exists.
    for group, opts in oslo_messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    oslo_args: list[str] = []
    for path in config_files(args):
        oslo_args += ["--config-file", path]
    conf(args=oslo_args, project="cdm-graph", default_config_files=args.default_config_files)
    oslo_log.setup(conf, "cdm-graph")
    return conf


def neo4j_settings(conf: cfg.ConfigOpts) -> Neo4jSettings:
    return config.neo4j_settings(conf)


@contextlib.contextmanager
def _reading(conf: cfg.ConfigOpts) -> Iterator[tuple[neo4j.Driver, str]]:
    """A driver and the database to read, closed when the block ends."""
    settings = neo4j_settings(conf)
    driver = settings.driver()
    try:
        yield driver, settings.database
    finally:
        driver.close()


def guard_settings(conf: cfg.ConfigOpts) -> GuardSettings:
    return GuardSettings(
        hint_margin=timedelta(seconds=conf.graph.hint_margin),
        default_availability_zone=conf.graph.default_availability_zone,
    )


@contextlib.contextmanager
def _writing(conf: cfg.ConfigOpts) -> Iterator[GraphWriter]:
    """A writer, under the configured guards, whose driver is closed when the block ends."""
    with _reading(conf) as (driver, database):
        yield GraphWriter(driver, database, settings=guard_settings(conf))


def cmd_schema(args: argparse.Namespace) -> int:
    conf = load_config(args)
    with _writing(conf) as writer:
        for name in writer.run_schema():
            print(f"applied {name}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from cdm_graph.replay import expand, replay, summary

    conf = load_config(args)
    start = (
        datetime.fromisoformat(args.start_time)
        if args.start_time
        else datetime.now(UTC).replace(tzinfo=None)
    )
    with _writing(conf) as writer:
        writer.run_schema()
        outcome = replay(
            writer,
            expand(Path(p) for p in args.paths),
            start,
            args.batch_size,
            Guard.configured(conf),
        )
    print(summary(outcome))
    return 1 if outcome.rejected else 0


def notification_transport_url(conf: cfg.ConfigOpts) -> str:
    """Where notifications travel, as oslo.messaging's notifiers read it: the
    [oslo_messaging_notifications] transport_url if set, else [DEFAULT] transport_url."""
    return str(conf.oslo_messaging_notifications.transport_url or conf.transport_url)


def cmd_sync(args: argparse.Namespace) -> int:
    from cdm_graph.sync import service, supervisor

    conf = load_config(args)
    url = notification_transport_url(conf)
    with _writing(conf) as writer:
        if args.child is not None:
            return supervisor.run_child(conf, writer, url, args.child)
        if conf.sync.processes > 1:
            return supervisor.run(conf, writer, url, sync_child_command(args))
        return service.run(conf, writer, url)


def sync_child_command(args: argparse.Namespace) -> list[str]:
    """How the parent of ``[sync] processes`` starts a child: this command again, with the
    same configuration files, followed by the child's index."""
    command = [sys.executable, "-m", "cdm_graph.cli"]
    for path in config_files(args):
        command += ["--config-file", os.path.abspath(path)]
    return [*command, "sync", "--child"]


def cmd_deadletter(args: argparse.Namespace) -> int:
    from cdm_graph.deadletter import DeadLetterStore

    conf = load_config(args)
    with _writing(conf) as writer:
        store = DeadLetterStore(writer, Guard.configured(conf))
        if args.action == "list":
            letters = store.list(limit=args.limit)
            for letter in letters:
                print(
                    f"{letter.id}  {letter.received_at:%Y-%m-%d %H:%M:%S}  "
                    f"{letter.event_type or '-'}  attempts={letter.attempts}  {letter.reason}"
                )
                if args.verbose:
                    print(f"    {letter.message}")
            print(f"{len(letters)} dead letters")
            return 0
        applied, refused = store.replay(args.ids or None)
        print(f"replayed: {len(applied)} applied, {len(refused)} still refused")
        for letter in refused:
            print(f"  {letter.id}: {letter.reason}")
        return 1 if refused else 0


def cmd_simulate(args: argparse.Namespace) -> int:
    import json
    import signal
    import time

    from cdm_graph.simulate import NovaNotifier, NovaSimulator, Pacer, write_truth

    conf = load_config(args)
    # The simulated Nova's default zone is the one the synchronizer is told Nova has, so
    # that --truth is the graph the synchronizer should build.
    simulator = NovaSimulator(
        args.hosts, args.instances, args.seed, conf.graph.default_availability_zone
    )
    operations = args.operations or None
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, _: stopping.append(signum))

    if args.dump:
        start = datetime.fromisoformat(args.start_time) if args.start_time else None
        with open(args.dump, "w", encoding="utf-8") as out:
            count = 0
            for message in simulator.messages(operations, start=start):
                out.write(json.dumps(message, separators=(",", ":")) + "\n")
                count += 1
        print(f"wrote {count} notifications to {args.dump}")
    else:
        url = notification_transport_url(conf)
        notifier = NovaNotifier(
            conf, url, conf.notifications.exchange, conf.notifications.topic
        )
        pacer = Pacer(args.rate)
        count, started, reported = 0, time.monotonic(), time.monotonic()
        LOG.info(
            "publishing a cloud of %d hosts and %d instances to exchange %s, topic %s",
            args.hosts, args.instances, conf.notifications.exchange, conf.notifications.topic,
        )
        try:
            # Stop only between units, so that the truth written matches what was sent.
            for unit in simulator.units(operations):
                if stopping:
                    break
                for notification in unit:
                    pacer.wait()
                    notifier.publish(notification)
                    count += 1
                if time.monotonic() - reported >= 10:
                    reported = time.monotonic()
                    LOG.info(
                        "published %d notifications (%.0f/s); %d instances",
                        count, count / (reported - started), len(simulator.instances),
                    )
        finally:
            notifier.close()
        elapsed = time.monotonic() - started
        print(f"published {count} notifications in {elapsed:.1f} s")
    if args.truth:
        write_truth(simulator, args.truth)
        print(f"truth written to {args.truth}")
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    from cdm_graph.reconcile import progress_for, reconcile

    conf = load_config(args)
    with _writing(conf) as writer:
        writer.run_schema()
        summary = reconcile(
            args.os_cloud or conf.reconcile.cloud,
            writer,
            page_size=conf.reconcile.page_size,
            batch_size=conf.reconcile.batch_size,
            progress=progress_for(sys.stderr),
            guard=Guard.configured(conf),
            writers=conf.reconcile.writers,
        )
    print(summary.text())
    return 0 if summary.complete else 1


def cmd_query(args: argparse.Namespace) -> int:
    from cdm_graph.read import queries
    from cdm_graph.read.client import GraphClient

    try:
        if args.list:
            for query in queries.catalogue():
                print(f"{query.name}\n    {query.summary}")
                for parameter in query.parameters:
                    print(f"    {parameter.describe()}")
            return 0
        if args.name is None:
            raise queries.QueryError("name a query, or --list them")
        query = queries.get(args.name)
        parameters = query.bind(queries.parse_assignments(args.param or []))
    except queries.QueryError as error:
        print(f"cdm-graph query: error: {error}", file=sys.stderr)
        return 2
    with _reading(load_config(args)) as (driver, database):
        rows = GraphClient(driver, database).query(query.statement, **parameters)
    print(queries.to_json(rows) if args.json else queries.to_table(rows))
    return 0


def cmd_browser(args: argparse.Namespace) -> int:
    from cdm_graph.gateway import NO_WAIT, Gateway
    from cdm_graph.read import browser

    if args.action == "style":
        print(browser.style(), end="")
        return 0
    with _reading(load_config(args)) as (driver, database):
        count = browser.label_compute_nodes(Gateway(driver, database, NO_WAIT))
    print(f"labelled {count} compute nodes")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdm-graph", description=__doc__)
    parser.add_argument(
        "--config-file",
        action="append",
        help=f"oslo.config file (repeatable); default ${config.CONFIG_FILE_ENV} if set, else "
        "/etc/cdm-graph/cdm-graph.conf if present",
    )
    parser.set_defaults(default_config_files=None)
    commands = parser.add_subparsers(dest="command", required=True)

    schema_parser = commands.add_parser("schema", help="create constraints and indexes")
    schema_parser.set_defaults(func=cmd_schema)

    replay_parser = commands.add_parser(
        "replay", help="apply captured notifications (Nova samples or JSON lines) to Neo4j"
    )
    replay_parser.add_argument("paths", nargs="+", metavar="FILE|DIR")
    replay_parser.add_argument(
        "--start-time",
        help="event time of the first message without a timestamp (naive UTC ISO); "
        "default: now",
    )
    replay_parser.add_argument("--batch-size", type=int, default=500)
    replay_parser.set_defaults(func=cmd_replay)

    reconcile_parser = commands.add_parser(
        "reconcile",
        help="read Nova and Placement: fill in capacity, repair what notifications missed",
    )
    reconcile_parser.add_argument(
        "--os-cloud",
        metavar="NAME",
        help="cloud of clouds.yaml (default: [reconcile] cloud, then OS_CLOUD or the OS_* "
        "variables); credentials never go on the command line",
    )
    reconcile_parser.set_defaults(func=cmd_reconcile)

    sync_parser = commands.add_parser(
        "sync", help="consume Nova's notifications from RabbitMQ and keep the graph in step"
    )
    # Given by the parent of [sync] processes > 1 to each child it starts, never by a user.
    sync_parser.add_argument("--child", type=int, metavar="INDEX", help=argparse.SUPPRESS)
    sync_parser.set_defaults(func=cmd_sync)

    simulate_parser = commands.add_parser(
        "simulate",
        help="a synthetic Nova: publish a realistic notification stream for a simulated cloud",
    )
    simulate_parser.add_argument("--hosts", type=int, default=10, help="compute hosts")
    simulate_parser.add_argument("--instances", type=int, default=100, help="instances")
    simulate_parser.add_argument(
        "--operations",
        type=int,
        default=0,
        help="operations after the cloud is built (0: until interrupted)",
    )
    simulate_parser.add_argument(
        "--rate", type=float, default=50, help="notifications per second (0: unpaced)"
    )
    simulate_parser.add_argument("--seed", type=int, default=0)
    simulate_parser.add_argument(
        "--truth", metavar="FILE", help="write the cloud the stream ends with, as JSON"
    )
    simulate_parser.add_argument(
        "--dump",
        metavar="FILE",
        help="write JSON lines for `cdm-graph replay` instead of publishing",
    )
    simulate_parser.add_argument(
        "--start-time", help="with --dump: time of the first message (naive UTC ISO)"
    )
    simulate_parser.set_defaults(func=cmd_simulate)

    deadletter_parser = commands.add_parser(
        "deadletter", help="list or replay the notifications that could not be applied"
    )
    deadletter_actions = deadletter_parser.add_subparsers(dest="action", required=True)
    list_parser = deadletter_actions.add_parser("list", help="oldest first, with the reason")
    list_parser.add_argument("--limit", type=int, default=1000)
    list_parser.add_argument("-v", "--verbose", action="store_true", help="print the messages")
    replay_letters = deadletter_actions.add_parser(
        "replay", help="apply them again (all, or the ids given); applied ones are forgotten"
    )
    replay_letters.add_argument("ids", nargs="*")
    deadletter_parser.set_defaults(func=cmd_deadletter)

    query_parser = commands.add_parser(
        "query", help="run a named query for analysts (cypher/queries) and print its rows"
    )
    query_parser.add_argument("name", nargs="?", help="the query; --list shows them all")
    query_parser.add_argument(
        "--list", action="store_true", help="list the queries, what they answer, their parameters"
    )
    query_parser.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter of the query, converted to its declared type (repeatable)",
    )
    query_parser.add_argument("--json", action="store_true", help="rows as a JSON list")
    query_parser.set_defaults(func=cmd_query)

    browser_parser = commands.add_parser(
        "browser", help="the Neo4j Browser view: its GraSS style, and the labels it styles by"
    )
    browser_parser.add_argument(
        "action",
        choices=["style", "label"],
        help="style: print cdm-graph.grass; label: refresh the compute nodes' display labels "
        "(status, state, load)",
    )
    browser_parser.set_defaults(func=cmd_browser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except cfg.Error as error:
        # A file that is not there, an option that is missing or wrong: say which.
        print(
            f"cdm-graph: error: {error} (options come from --config-file or "
            f"${config.CONFIG_FILE_ENV}, and OS_<GROUP>__<OPTION> variables)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
