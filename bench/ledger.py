"""Benchmark: ledger transfers per second through the service layer, next to pgbench's TPC-B.

Run:  .venv/bin/python bench/ledger.py            (PostgreSQL at DATABASE_URL, then SQLite)
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ledger.py

It creates (and drops first) two databases on the PostgreSQL server: ``coproduce_bench`` for the
ledger and ``coproduce_pgbench`` for pgbench (``--database`` and ``--pgbench-database`` name
others, so that two people sharing a server do not drop each other's). Ledger side: one community
of ``--accounts`` members (no floor); each client is a separate process with its own connection
(kept for the whole run) that makes member gifts: a random member gives 1-60 minutes from their own
account to another random member, one ``transfer_create`` call each, with a fresh idempotency key,
outside any transaction (as a web request does). pgbench side: its built-in ``tpcb-like`` script
(BEGIN, three UPDATEs, a SELECT, an INSERT, END) at scale ``--pgbench-scale``, with the same client
counts (``-c N -j N``) and duration, against the same server, its default (simple) query protocol.
The two alternate, ``--rounds`` times per client count, with a CHECKPOINT before each measurement.
The SQLite figure is one process on a fresh file database with the project's settings (WAL,
IMMEDIATE transactions, synchronous=NORMAL). The ratio ledger/pgbench at the largest client count
(8) is printed last.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from coproduce.ledger.models import Account

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ACCOUNTS = 200
BENCH_DB = "coproduce_bench"
PGBENCH_DB = "coproduce_pgbench"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _recreate_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _checkpoint(url: str) -> None:
    """Write out dirty buffers so neither side inherits the other's checkpoint work."""
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    import django

    django.setup()


def _prepare_ledger(count: int) -> list[int]:
    """Migrate, then make one community (mutual credit, no floor) with ``count`` members, each
    with an account. Returns the account ids."""
    from django.core.management import call_command
    from django.db import transaction

    from coproduce.communities.models import Community, Membership
    from coproduce.ledger.services import member_account_open_within
    from coproduce.people.models import Profile

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        community = Community.objects.create(
            name="Bench",
            slug=f"bench-{uuid.uuid4().hex[:8]}",
            kind="time_bank",
            default_floor_minutes=None,
        )
        accounts = []
        for number in range(count):
            membership = Membership.objects.create(community=community)
            Profile.objects.create(membership=membership, display_name=f"Member {number}")
            accounts.append(member_account_open_within(membership=membership).pk)
    return accounts


def _load_members(account_ids: list[int]) -> list[Account]:
    """The member accounts, each with its member (the actor giving from it) and community."""
    from coproduce.ledger.models import Account as AccountModel

    return list(
        AccountModel.objects.filter(pk__in=account_ids).select_related("membership__community")
    )


def _give(accounts: list[Account], rng: random.Random) -> None:
    """One transfer as a member makes it: a gift from their own account to another member."""
    from coproduce.ledger.models import Transfer
    from coproduce.ledger.services import transfer_create

    debit, credit = rng.sample(accounts, 2)
    assert debit.membership is not None
    transfer_create(
        actor=debit.membership,
        debit=debit,
        credit=credit,
        kind=Transfer.Kind.GIFT,
        minutes=rng.randint(1, 60),
        idempotency_key=uuid.uuid4(),
    )


def _client(account_ids: list[int], seconds: float, start_at: float, out: object) -> None:
    from django.db import connections

    connections.close_all()
    accounts = _load_members(account_ids)
    rng = random.Random(os.getpid())
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    done = 0
    while time.time() < deadline:
        _give(accounts, rng)
        done += 1
    connections.close_all()
    out.put(done)  # type: ignore[attr-defined]


def ledger_rate(accounts: list[int], clients: int, seconds: float) -> float:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0
    processes = [
        context.Process(target=_client, args=(accounts, seconds, start_at, results))
        for _ in range(clients)
    ]
    for process in processes:
        process.start()
    total = sum(results.get() for _ in processes)
    for process in processes:
        process.join()
    return total / seconds


def pgbench_rate(url: str, clients: int, seconds: int, database: str = PGBENCH_DB) -> float:
    parts = urlsplit(_with_database(url, database))
    connection = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        connection += ["-U", parts.username]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    result = subprocess.run(
        [
            "pgbench",
            *connection,
            "-b",
            "tpcb-like",
            "-c",
            str(clients),
            "-j",
            str(clients),
            "-T",
            str(seconds),
            "-n",
            database,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if match is None:
        raise RuntimeError(result.stdout + result.stderr)
    return float(match.group(1))


def pgbench_init(url: str, scale: int, database: str = PGBENCH_DB) -> None:
    parts = urlsplit(_with_database(url, database))
    connection = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        connection += ["-U", parts.username]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    subprocess.run(
        ["pgbench", *connection, "-i", "-q", "-s", str(scale), database],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )


def sqlite_rate(seconds: float, count: int) -> float:
    """Runs in its own process: Django's settings are fixed once set up."""
    accounts = _load_members(_prepare_ledger(count))
    rng = random.Random(1)
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        _give(accounts, rng)
        done += 1
    elapsed = time.perf_counter() - start
    from django.db import connections

    connections.close_all()
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--part", choices=["all", "postgres", "sqlite"], default="all")
    parser.add_argument("--accounts", type=int, default=ACCOUNTS, help="member accounts")
    parser.add_argument("--database", default=BENCH_DB, help="the ledger's database (dropped)")
    parser.add_argument(
        "--pgbench-database", default=PGBENCH_DB, help="pgbench's database (dropped)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="ledger/pgbench pairs per client count, alternated"
    )
    options = parser.parse_args()
    counts = [int(c) for c in options.clients.split(",")]

    if options.part == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            _django(f"sqlite:///{folder}/bench.sqlite3")
            print(f"{sqlite_rate(options.seconds, options.accounts):.0f}")
        return

    results: dict[str, float] = {}
    if options.part in ("all", "postgres"):
        url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        if not url.startswith("postgres"):
            url = "postgres://postgres@127.0.0.1:5432/postgres"
        _recreate_database(url, options.database)
        _recreate_database(url, options.pgbench_database)
        _django(_with_database(url, options.database))
        accounts = _prepare_ledger(options.accounts)
        pgbench_init(url, options.pgbench_scale, options.pgbench_database)
        print(
            f"ledger: member gifts (transfer_create) among {len(accounts)} member accounts, "
            f"one process and connection per client; pgbench: -b tpcb-like -s "
            f"{options.pgbench_scale} -c N -j N; {options.seconds} s each, {options.rounds} "
            "alternated round(s), CHECKPOINT before each",
            flush=True,
        )
        for clients in counts:
            ledger_runs, pgbench_runs = [], []
            for _round in range(options.rounds):
                _checkpoint(url)
                ledger_runs.append(ledger_rate(accounts, clients, options.seconds))
                _checkpoint(url)
                pgbench_runs.append(
                    pgbench_rate(url, clients, options.seconds, options.pgbench_database)
                )
                print(
                    f"PostgreSQL, {clients} client(s): ledger {ledger_runs[-1]:.0f} transfers/s, "
                    f"pgbench tpcb-like {pgbench_runs[-1]:.0f} tps",
                    flush=True,
                )
            results[f"ledger_{clients}"] = sum(ledger_runs) / len(ledger_runs)
            results[f"pgbench_{clients}"] = sum(pgbench_runs) / len(pgbench_runs)
    if options.part == "all":
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--part",
                "sqlite",
                "--seconds",
                str(options.seconds),
                "--accounts",
                str(options.accounts),
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        sqlite = float(out.stdout.strip().splitlines()[-1])
        print(f"SQLite, 1 process: ledger {sqlite:.0f} transfers/s")
    if options.part in ("all", "postgres"):
        most = max(counts)
        for clients in counts:
            ratio = results[f"ledger_{clients}"] / results[f"pgbench_{clients}"]
            if clients != most:
                print(f"ratio ledger/pgbench at {clients} client(s): {ratio:.2f}")
        ratio = results[f"ledger_{most}"] / results[f"pgbench_{most}"]
        print(f"ratio ledger/pgbench at {most} clients: {ratio:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
