"""Votes under load: 50 concurrent members casting 20,000 votes, on SQLite and on Postgres.

Each member is a coroutine casting its votes one after another through `VoteService.vote` (the path
`/vote` takes: the storage thread pool, one unit of work per vote with its history row and retries),
so 50 members are 50 votes in flight. Some votes change an earlier vote of the same member, as in
real use. The baseline, in the same run, is a raw single-row INSERT of the same 20,000 rows (one
transaction each) into a scratch table through the same thread pool with the same 50-way concurrency.
Lost and doubled are counted against what the members' own sequences say must be stored: a vote row
per (member, clip) with the last label cast, a history row per actual change. Targets: ratio >= 0.5,
lost 0, doubled 0. Figures are medians over `--rounds` fresh databases.

    python -m bench.votes [--votes 20000] [--members 50] [--rounds 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.clip_ids import short_clip_id
from bot.consensus import LABELS
from bot.ports import Actor
from bot.votes import VoteService
from storage.bootstrap import Storage
from storage.db import make_engine, upgrade
from storage.gateways_community import SqlCommunity

COMMUNITY = "discord:bench"
PG_URL = os.environ.get("YUNTAI_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A throw-away database on the local server, dropped afterwards."""
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"yuntai_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn, contextlib.suppress(Exception):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_clips(st: Storage, n: int) -> list[str]:
    """n clips, each checked once in the community (a vote needs a clip checked here)."""
    urls = [f"https://vimeo.com/{100000 + i}" for i in range(n)]
    now = datetime.now(UTC)
    with st.engine.begin() as conn:
        conn.execute(text("INSERT INTO clip (canonical_url, platform, first_seen_at, short_id) VALUES "
                          "(:u, 'vimeo', :t, :s)"), [{"u": u, "t": now, "s": short_clip_id(u)} for u in urls])
        ids = dict(conn.execute(text("SELECT canonical_url, id FROM clip")).all())
        conn.execute(text("INSERT INTO check_record (community_id, actor_id, clip_id, url, level, kb_version, "
                          "result, created_at) VALUES (:c, 'bench', :i, :u, 'showcase', 'bench', '{}', :t)"),
                     [{"c": COMMUNITY, "i": ids[u], "u": u, "t": now} for u in urls])
        conn.execute(text("CREATE TABLE vote_raw (id INTEGER PRIMARY KEY, community_id VARCHAR(100), "
                          "clip_id INTEGER, member VARCHAR(200), label VARCHAR(32), created_at TIMESTAMP)"
                          if conn.dialect.name == "sqlite" else
                          "CREATE TABLE vote_raw (id SERIAL PRIMARY KEY, community_id VARCHAR(100), clip_id INTEGER, "
                          "member VARCHAR(200), label VARCHAR(32), created_at TIMESTAMPTZ)"))
    return urls


def plan(votes: int, members: int, clips: list[str], seed: int) -> list[list[tuple[str, str]]]:
    """Each member's votes in order; about one in five changes one of the member's earlier votes."""
    rng = random.Random(seed)
    per = [[] for _ in range(members)]
    for k in range(votes):
        m = k % members
        mine = per[m]
        url = rng.choice(mine)[0] if mine and rng.random() < 0.2 else rng.choice(clips)
        per[m].append((url, rng.choice(LABELS)))
    return per


def expected(per: list[list[tuple[str, str]]]) -> tuple[dict[tuple[str, str], str], int]:
    final: dict[tuple[str, str], str] = {}
    changes = 0
    for m, seq in enumerate(per):
        for url, label in seq:
            key = (f"m{m}", url)
            if final.get(key) != label:
                changes += 1
            final[key] = label
    return final, changes


async def cast_all(service: VoteService, per: list[list[tuple[str, str]]]) -> float:
    async def member(m: int) -> None:
        actor = Actor(COMMUNITY, f"m{m}")
        for url, label in per[m]:
            await service.vote(actor, url, label)

    start = time.perf_counter()
    await asyncio.gather(*(member(m) for m in range(len(per))))
    return time.perf_counter() - start


async def raw_all(st: Storage, per: list[list[tuple[str, str]]], clip_ids: dict[str, int]) -> float:
    stmt = text("INSERT INTO vote_raw (community_id, clip_id, member, label, created_at) VALUES (:c, :i, :m, :l, :t)")

    def insert(row: dict) -> None:
        with st.engine.begin() as conn:
            conn.execute(stmt, row)

    async def member(m: int) -> None:
        for url, label in per[m]:
            await st.threads.run(insert, {"c": COMMUNITY, "i": clip_ids[url], "m": f"m{m}", "l": label,
                                          "t": datetime.now(UTC)})

    start = time.perf_counter()
    await asyncio.gather(*(member(m) for m in range(len(per))))
    return time.perf_counter() - start


def one_round(url: str, votes: int, members: int, clips: int, seed: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    st = Storage.on(engine)
    try:
        urls = seed_clips(st, clips)
        with engine.connect() as conn:
            ids = dict(conn.execute(text("SELECT canonical_url, id FROM clip")).all())
        per = plan(votes, members, urls, seed)
        final, changes = expected(per)
        service = VoteService(SqlCommunity(st.uow, attempts=30, deadline=120), st.threads,
                              writers=1 if engine.dialect.name == "sqlite" else 4)  # as adapters/wiring.py
        raw_s = asyncio.run(raw_all(st, per, ids))  # baseline first: a warm cache then favours the baseline
        vote_s = asyncio.run(cast_all(service, per))
        by_id = {v: k for k, v in ids.items()}
        with engine.connect() as conn:
            stored = {(m, by_id[c]): lab for m, c, lab in conn.execute(text("SELECT member, clip_id, label FROM vote"))}
            history = conn.execute(text("SELECT count(*) FROM vote_change")).scalar()
            raw_rows = conn.execute(text("SELECT count(*) FROM vote_raw")).scalar()
        lost = sum(1 for k, lab in final.items() if stored.get(k) != lab)
        doubled = max(0, len(stored) - len(final)) + max(0, history - changes)
        lost += max(0, changes - history)
        assert raw_rows == votes
        return {"votes_s": votes / vote_s, "raw_s": votes / raw_s, "lost": lost, "doubled": doubled}
    finally:
        st.close()


def report(name: str, rounds: list[dict[str, float]]) -> None:
    v = statistics.median(r["votes_s"] for r in rounds)
    raw = statistics.median(r["raw_s"] for r in rounds)
    ratios = [r["votes_s"] / r["raw_s"] for r in rounds]
    lost = sum(int(r["lost"]) for r in rounds)
    doubled = sum(int(r["doubled"]) for r in rounds)
    print(f"  {name:<9} votes/s median {v:8.0f}   raw INSERT/s median {raw:8.0f}   ratio median "
          f"{statistics.median(ratios):.2f} (rounds: {', '.join(f'{x:.2f}' for x in ratios)}; target >= 0.5)   "
          f"lost {lost}  doubled {doubled} (target 0 and 0)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--votes", type=int, default=20_000)
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--clips", type=int, default=2_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args(argv)
    print(f"Votes: {args.members} concurrent members, {args.votes:,} votes on {args.clips:,} clips, "
          f"{args.rounds} round(s) each")
    with tempfile.TemporaryDirectory() as tmp:
        rounds = [one_round(f"sqlite:///{Path(tmp) / f'r{i}.db'}", args.votes, args.members, args.clips, i)
                  for i in range(args.rounds)]
    report("SQLite", rounds)
    if not args.no_postgres:
        rounds = []
        for i in range(args.rounds):
            with postgres_database() as url:
                rounds.append(one_round(url, args.votes, args.members, args.clips, i))
        report("Postgres", rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
