"""What a Postgres test database costs the suite: a fresh template copy and its drop, against a reused copy.

The suite gives each Postgres test a database of its own. The baseline, measured in the same run, is
how it used to: `CREATE DATABASE ... TEMPLATE` of each kind of template, then `DROP DATABASE` (which forces
a checkpoint). The pool (tests/helpers/postgres_pool.py) renames the used copy and puts its rows and
sequences back instead. Each round, before it is put back, the copy gets what a typical test leaves:
a few rows added, changed and deleted, ids drawn from a sequence. Figures are medians of per-round wall
time and of the machine's busy CPU time (client and server together, from /proc/stat), so run it on an
otherwise idle machine.

    python -m bench.test_databases [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("YUNTAI_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def busy_seconds() -> float:
    """Busy CPU time of the whole machine (user, nice, system, irq, softirq), in seconds."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    return sum(int(fields[i]) for i in (1, 2, 3, 6, 7)) / os.sysconf("SC_CLK_TCK")


def scribble(url: str) -> None:
    """What a typical test leaves: a row added, one changed and one deleted (where there are any), an id drawn."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO community_settings (community_id, settings, updated_at, updated_by) "
                     "VALUES (%s, '{}', now(), 'admin')", (f"discord:{uuid.uuid4().hex[:6]}",))
        conn.execute("UPDATE kb_model SET notes = 'bench' WHERE id = (SELECT min(id) FROM kb_model)")
        conn.execute("DELETE FROM kb_claim WHERE ctid = (SELECT min(ctid) FROM kb_claim)")
        conn.execute("SELECT nextval('vote_id_seq')")


def rounds_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 1000")
    return value


def measure(rounds: int, step: Callable[[], None]) -> tuple[float, float]:
    walls, busies = [], []
    for _ in range(rounds):
        b0, t0 = busy_seconds(), time.perf_counter()
        step()
        walls.append(time.perf_counter() - t0)
        busies.append(busy_seconds() - b0)
    return statistics.median(walls), statistics.median(busies)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=rounds_arg, default=20, help="rounds per kind, 1-1000 (default 20)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    from sqlalchemy import create_engine, text

    from helpers.postgres_pool import Pool
    from helpers.seeded_db import create_from, drop_postgres_templates, postgres_template

    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        print(f"test databases: skipped, no Postgres at {PG_URL} ({type(exc).__name__})")
        return 0
    base = PG_URL.rsplit("/", 1)[0]
    pool = Pool()
    print(f"test databases (medians of {args.rounds} rounds; each round is one test's database)")
    print(f"  {'template':9} {'fresh copy + drop':>26} {'reused (rename+restore)':>26} {'ratio':>16}")
    try:
        for kind in ("tiny", "migrated", "seeded"):  # the suite's uses, most to fewest
            template = postgres_template(kind, PG_URL)

            def fresh_copy_and_drop() -> None:
                name = f"yuntai_bench_{uuid.uuid4().hex[:10]}"
                with admin.connect() as conn:
                    create_from(conn, name, template)  # noqa: B023 - used within this iteration only
                scribble(f"{base}/{name}")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))

            first = f"yuntai_bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                create_from(conn, first, template)
            pool.remember(kind, f"{base}/{first}")
            pool.free[kind] = [first]

            def reuse() -> None:
                name = pool.take(kind)  # noqa: B023
                assert name is not None
                scribble(f"{base}/{name}")
                leftover = pool.give_back(kind, name, base, PG_URL)  # noqa: B023
                assert leftover is None, f"the copy was not put back ({leftover})"

            fresh_copy_and_drop()  # warm both paths once
            reuse()
            before_wall, before_busy = measure(args.rounds, fresh_copy_and_drop)
            after_wall, after_busy = measure(args.rounds, reuse)
            print(f"  {kind:9} {before_wall * 1000:8.1f} ms wall {before_busy * 1000:6.1f} ms CPU"
                  f" {after_wall * 1000:8.1f} ms wall {after_busy * 1000:6.1f} ms CPU"
                  f"   wall {after_wall / before_wall:.2f} CPU {after_busy / max(before_busy, 1e-9):.2f}")
    finally:
        with admin.connect() as conn:
            for name in pool.drain():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        drop_postgres_templates()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
