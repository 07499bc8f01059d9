"""The weekly digest of a busy community on Postgres (issue 11 target: under 2 s).

Workload, generated in bulk on the server (generate_series) in a throw-away database: 100,000 clips,
each checked once in the digest's week by the community under test (the worst case: every clip of the
community checked that week), 100,000 more checks in other communities and earlier weeks, and 5,000
knowledge-base changes, 4,000 of them in the window. The check results are real `CheckResult.to_json()`
objects of generated captions, so the stored JSON has the size and shape the digest reads.

Votes (1,000,000) and attempts (50,000) are not stored by this branch: the digest reads them through
`CommunityActivity`, whose implementation returns nothing until their queries are wired, so their part is
timed as it exists (the empty port) and reported as such.

Figures are medians of `--runs` runs. The baseline, measured in the same run, is a plain
`SELECT count(*), sum(octet_length(result::text))` over the same week's rows (the database reading the
same data once, nothing computed), so the ratio says how much the digest costs over touching its rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.check_speed import captions
from bot.digest import DigestService, NoActivity, weekly_digest
from bot.digest_chart import draw_digest_chart
from bot.ports import Actor
from bot.service import CheckService
from storage.bootstrap import Storage, open_storage

COMMUNITY = "discord:bench"
SLOT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
WEEK = "2026-W50"
ADMIN_URL = os.environ.get("YUNTAI_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _templates(st: Storage, n: int) -> list[tuple[str | None, str, str, str]]:
    """(model id, level, result JSON, shown ids JSON) of `n` real checks of generated captions."""
    import json

    svc = CheckService(st.knowledge)
    actor = Actor(COMMUNITY, "bench")

    async def all_results():  # type: ignore[no-untyped-def]
        return [await svc.check(req, actor) for req in captions(n)]

    results = asyncio.run(all_results())
    return [(r.signals.model.id if r.signals.model else None, str(r.level), json.dumps(r.to_json()),
             json.dumps([x.id for x in r.signals.shown])) for r in results]


def generate(st: Storage, clips: int, other_checks: int, kb_changes: int) -> None:
    templates = _templates(st, 60)
    with st.engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE bench_template (i int, model_id text, level text, result json, "
                          "shown_ids json)"))
        conn.execute(text("INSERT INTO bench_template VALUES (:i, :m, :l, CAST(:r AS json), CAST(:s AS json))"),
                     [{"i": i, "m": m, "l": lv, "r": r, "s": sh} for i, (m, lv, r, sh) in enumerate(templates)])
        conn.execute(text(
            "INSERT INTO clip (canonical_url, platform, video_id, first_seen_at, short_id) "
            "SELECT 'https://www.youtube.com/watch?v=b' || lpad(g::text, 10, '0'), 'youtube', "
            "'b' || lpad(g::text, 10, '0'), :slot - interval '30 days', substr(md5(g::text), 1, 12) "
            "FROM generate_series(1, :n) g"), {"n": clips, "slot": SLOT})
        k = len(templates)
        conn.execute(text(
            "INSERT INTO check_record (community_id, actor_id, clip_id, url, caption, model_id, level, kb_version, "
            "result, shown_ids, created_at) "
            "SELECT :c, 'u' || (c.id % 2000), c.id, c.canonical_url, NULL, t.model_id, t.level, 'bench', t.result, "
            "t.shown_ids, :slot - (random() * interval '7 days') "
            "FROM clip c JOIN bench_template t ON t.i = c.id % :k"), {"c": COMMUNITY, "slot": SLOT, "k": k})
        conn.execute(text(
            "INSERT INTO check_record (community_id, actor_id, clip_id, url, caption, model_id, level, kb_version, "
            "result, shown_ids, created_at) "
            "SELECT CASE WHEN g % 2 = 0 THEN 'discord:other' || (g % 50) ELSE :c END, 'u', c.id, c.canonical_url, "
            "NULL, t.model_id, t.level, 'bench', t.result, t.shown_ids, "
            ":slot - interval '8 days' - (random() * interval '70 days') "
            "FROM generate_series(1, :n) g JOIN clip c ON c.id = 1 + g % :clips JOIN bench_template t ON t.i = g % :k"),
            {"c": COMMUNITY, "slot": SLOT, "n": other_checks, "clips": clips, "k": k})
        conn.execute(text(
            "INSERT INTO kb_change (community_id, actor, at, entity, entity_id, action, before, after) "
            "SELECT CASE WHEN g % 3 = 0 THEN :c ELSE '' END, 'admin:' || (g % 7), "
            ":slot - (random() * interval '7 days') - CASE WHEN g % 5 = 0 THEN interval '30 days' "
            "ELSE interval '0' END, 'claim', 'sora/walking', 'update', NULL, NULL "
            "FROM generate_series(1, :n) g"), {"c": COMMUNITY, "slot": SLOT, "n": kb_changes})
        conn.execute(text("ANALYZE"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.digest_speed", description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=100_000)
    ap.add_argument("--other-checks", type=int, default=100_000)
    ap.add_argument("--kb-changes", type=int, default=5_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--postgres", default=ADMIN_URL, help="a Postgres URL whose server may create databases")
    args = ap.parse_args(argv)

    admin_url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"yuntai_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        print(f"digest benchmark skipped: no Postgres at {args.postgres} ({type(exc).__name__})")
        return
    url = f"{args.postgres.rsplit('/', 1)[0]}/{name}"
    st = open_storage(url)
    try:
        t0 = time.perf_counter()
        generate(st, args.clips, args.other_checks, args.kb_changes)
        print(f"workload: {args.clips:,} clips checked this week in {COMMUNITY}, {args.other_checks:,} other checks, "
              f"{args.kb_changes:,} KB changes; generated in {time.perf_counter() - t0:.1f} s (Postgres)")
        print("votes and attempts: none generated here (the digest's CommunityActivity port is the empty NoActivity); "
              "bench/model_report.py times the vote-heavy path on Postgres")
        service = DigestService(st.checks, st.knowledge.knowledge_base)
        digest = weekly_digest(service, NoActivity(), COMMUNITY, WEEK, SLOT)  # warm the knowledge cache
        assert digest.base.figures.checks == args.clips, digest.base.figures.checks

        def baseline() -> None:
            with st.engine.connect() as conn:
                conn.execute(text(
                    "SELECT count(*), sum(octet_length(result::text)) FROM check_record "
                    "WHERE community_id = :c AND created_at >= :a AND created_at < :b"),
                    {"c": COMMUNITY, "a": SLOT - timedelta(days=7), "b": SLOT}).one()

        charts = Path(tempfile.mkdtemp(prefix="yuntai-bench-charts-"))
        base_s = _median(baseline, args.runs)
        digest_s = _median(lambda: weekly_digest(service, NoActivity(), COMMUNITY, WEEK, SLOT), args.runs)
        chart_s = _median(lambda: draw_digest_chart(digest, charts), args.runs)
        total = digest_s + chart_s
        print(f"baseline (scan of the week's rows):     median {base_s * 1000:8.1f} ms")
        print(f"digest figures + activity:              median {digest_s * 1000:8.1f} ms  "
              f"({digest_s / base_s:.1f}x baseline)")
        print(f"chart (matplotlib Agg PNG):             median {chart_s * 1000:8.1f} ms")
        print(f"digest with chart:                      median {total * 1000:8.1f} ms  "
              f"({total / base_s:.1f}x baseline; target < 2000 ms: {'met' if total < 2 else 'NOT met'})")
    finally:
        st.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
