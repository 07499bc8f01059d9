"""`/model` for a big community on Postgres: 1,000,000 votes, 100,000 clips, 50,000 attempts (target: under 2 s).

The data is generated with COPY (20,000 members voting on 50 clips each, a vote-history row per vote,
one to three checks per clip spread over the seed's models, attempt reports over the seed's models and
kinds of shot). `/model` then runs as the console runs it (`ModelReports` with the storage gateways,
the consensus cache and the chart), timed three ways:

* cold: a fresh process state: the consensus refit starts in the background and the report waits for
  it at most a second (then the clips show their tally and "being worked out");
* warm: nothing changed since the last report (the cache answers; medians of `--runs`);
* after a vote: one new vote moves the cache key; the report gets the previous fit marked stale while
  the refit runs in the background.
The background refit's own duration is printed too.

The same-run baseline is the plain SQL the report cannot avoid: the most-checked query and the attempt
sums, without the consensus or the chart.

    python -m bench.model_report [--votes 1000000] [--clips 100000] [--attempts 50000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.votes import postgres_database
from bot.attempts import AttemptService
from bot.clip_ids import short_clip_id
from bot.consensus import LABELS
from bot.ports import Actor
from bot.reports import ModelReports
from bot.service import CheckService
from bot.votes import VoteService
from storage.bootstrap import open_storage
from storage.gateways_community import SqlCommunity

COMMUNITY = "discord:big"


def copy_rows(raw, table: str, columns: str, lines: list[str]) -> None:
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buf = io.StringIO()
        for k, line in enumerate(lines, 1):
            buf.write(line)
            if k % 100_000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def generate(st, votes: int, clips: int, attempts: int, seed: int = 3) -> tuple[str, float]:
    """Fill the database; returns the model whose report is timed and the seconds it took."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    kb = st.knowledge.knowledge_base(COMMUNITY)
    models = [m.id for m in kb.models][:10]
    leaves = [c.id for c in kb.capabilities if c.parent is not None and not kb.children.get(c.id)]
    now = datetime.now(UTC).isoformat()
    raw = st.engine.raw_connection()
    try:
        urls = [f"https://vimeo.com/{10_000_000 + i}" for i in range(clips)]
        copy_rows(raw, "clip", "canonical_url, platform, first_seen_at, short_id",
                  [f"{u}\tvimeo\t{now}\t{short_clip_id(u)}\n" for u in urls])
        raw.commit()
        with raw.cursor() as cur:
            cur.execute("SELECT id FROM clip ORDER BY id")
            ids = [r[0] for r in cur.fetchall()]
        clip_model = rng.integers(0, len(models), size=clips)
        checks = rng.integers(1, 4, size=clips)
        copy_rows(raw, "check_record", "community_id, actor_id, clip_id, url, model_id, level, kb_version, result, "
                  "created_at",
                  [f"{COMMUNITY}\tbench\t{ids[i]}\t{urls[i]}\t{models[clip_model[i]]}\tshowcase\tbench\t{{}}\t{now}\n"
                   for i in range(clips) for _ in range(checks[i])])
        members = votes // 50
        m = np.repeat(np.arange(members), 50)
        c = (m * 7919 + np.tile(np.arange(50), members) * 1999) % clips  # 50 distinct clips per member
        lab = rng.choice(4, size=len(m), p=[0.45, 0.3, 0.1, 0.15])
        copy_rows(raw, "vote", "community_id, clip_id, member, label, created_at, updated_at",
                  [f"{COMMUNITY}\t{ids[ci]}\tm{mi}\t{LABELS[li]}\t{now}\t{now}\n" for mi, ci, li in zip(m, c, lab,
                                                                                                   strict=True)])
        copy_rows(raw, "vote_change", "community_id, clip_id, member, at, before, after",
                  [f"{COMMUNITY}\t{ids[ci]}\tm{mi}\t{now}\t\\N\t{LABELS[li]}\n" for mi, ci, li in zip(m, c, lab,
                                                                                                    strict=True)])
        tries = rng.integers(1, 41, size=attempts)
        usable = (tries * rng.random(attempts)).astype(int)
        am = rng.integers(0, len(models), size=attempts)
        ac = rng.integers(0, len(leaves), size=attempts)
        copy_rows(raw, "attempt", "community_id, member, model_id, capability_id, tries, usable, note, created_at",
                  [f"{COMMUNITY}\tm{rng.integers(0, members)}\t{models[am[i]]}\t{leaves[ac[i]]}\t{tries[i]}\t"
                   f"{usable[i]}\t\t{now}\n" for i in range(attempts)])
        raw.commit()
        with raw.cursor() as cur:
            cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return models[0], time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--votes", type=int, default=1_000_000)
    ap.add_argument("--clips", type=int, default=100_000)
    ap.add_argument("--attempts", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"/model on Postgres: {args.votes:,} votes, {args.clips:,} clips, {args.attempts:,} attempts")
    with postgres_database() as url, tempfile.TemporaryDirectory() as tmp:
        st = open_storage(url)
        try:
            model, took = generate(st, args.votes, args.clips, args.attempts)
            print(f"  data generated with COPY in {took:.1f} s")
            community = SqlCommunity(st.uow)
            checks = CheckService(st.knowledge, io=st.threads)
            votes = VoteService(community, st.threads, writers=4)
            reports = ModelReports(checks, attempts=AttemptService(community, st.threads), votes=votes,
                                   clips=community, chart_dir=Path(tmp))
            actor = Actor(COMMUNITY, "bench")

            async def timed(coro_fn) -> float:
                t = time.perf_counter()
                await coro_fn()
                return time.perf_counter() - t

            async def refitted(fits: int) -> float:
                t = time.perf_counter()
                while votes.cache.fits <= fits:
                    await asyncio.sleep(0.05)
                return time.perf_counter() - t

            async def run() -> dict[str, list[float]]:
                out: dict[str, list[float]] = {"cold": [], "warm": [], "after_vote": [], "baseline": [],
                                               "refit": []}
                t = time.perf_counter()
                await reports.report(model, actor)
                out["cold"].append(time.perf_counter() - t)
                out["refit"].append(await refitted(0) + out["cold"][0])
                for _ in range(args.runs):
                    out["warm"].append(await timed(lambda: reports.report(model, actor)))
                    out["baseline"].append(await timed(lambda: asyncio.gather(
                        st.threads.run(community.most_checked, COMMUNITY, model, 5),
                        st.threads.run(community.attempt_pool, COMMUNITY, model, None))))
                first = (await st.threads.run(community.most_checked, COMMUNITY, model, 1))[0][0]
                for i in range(min(args.runs, 3)):
                    await votes.vote(Actor(COMMUNITY, f"late{i}"), first.canonical_url, "representative")
                    fits = votes.cache.fits
                    out["after_vote"].append(await timed(lambda: reports.report(model, actor)))
                    await refitted(fits)
                report = await reports.report(model, actor)
                assert report.most_checked and report.chart_path, "the report lacks its community part"
                return out

            figures = asyncio.run(run())
        finally:
            st.close()
    base = statistics.median(figures["baseline"])
    print(f"  consensus refit of the whole community (background, not in any reply): "
          f"{statistics.median(figures['refit']):.1f} s")
    for name in ("cold", "warm", "after_vote"):
        med = statistics.median(figures[name])
        verdict = "meets" if med < 2.0 else "MISSES"
        print(f"  /model {name:<10} median {med:7.3f} s  ({med / base:6.1f}x the bare SQL baseline {base:.3f} s; "
              f"target < 2 s: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
