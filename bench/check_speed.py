"""Per-check cost of `yuntai check --no-fetch`, and start-up of `yuntai --help`.

Workload: >= 1,000 generated captions against a knowledge base padded to 50 models x 60
capabilities x 1,000 claims. Figures are medians; each is also given as a ratio against a no-op
baseline measured in the same run (the same event-loop round trip with no work in it), so a
slower or busier machine moves both.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.knowledge import Capability, Claim, KnowledgeBase, Model, Source
from bot.ports import Actor, InlineIO, keep_loop_responsive, settle_heap
from bot.reading_process import ReadingProcess
from bot.service import CheckRequest, CheckService
from storage.bootstrap import Storage
from storage.db import make_engine, upgrade
from storage.seed_files import load_seed

WORDS = ("neon alley rain market bridge harbour lantern desert glacier canyon meadow rooftop subway "
         "temple orchard volcano lighthouse windmill carnival library").split()
SHOTS = ("a woman walking through {w} at night", "two kids eating noodles by the {w}",
         "drone shot over the {w}, slow orbit", "basketball dunk in a {w} court, slow motion",
         "a chef's hands chopping herbs near the {w}", "cat jumping off a {w} wall",
         "close-up of a man talking to camera about the {w}", "fire and smoke rising over the {w}",
         "a dancer spinning in a flowing dress on the {w}", "crowd cheering at a {w} concert")
MODELS = ("Sora 2", "Kling 1.6", "Gen-3 Alpha", "Veo 3", "Dream Machine", "Hailuo", "Wan 2.1", "Pika")
EXTRAS = ("best of 12", "first try!", "img2vid from a Midjourney still", "prompt: see below", "#aivideo", "")


def padded_kb(models: int = 50, capabilities: int = 60, claims: int = 1000, seed: int = 7) -> KnowledgeBase:
    rng = random.Random(seed)
    kb = load_seed()
    ms = list(kb.models)
    for i in range(len(ms), models):
        ms.append(Model(f"synthetic-{i}", f"Synthetic {i}", "Bench", aliases=(f"synthmodel {i}",)))
    caps = list(kb.capabilities)
    for i in range(len(caps), capabilities):
        terms = tuple(f"{rng.choice(WORDS)}{rng.randint(0, 999)}" for _ in range(20))
        caps.append(Capability(f"synthetic_{i}", f"synthetic {i}", "other", terms=terms))
    cl = list(kb.claims)
    src = (Source("https://example.org/bench", "2025-01-01"),)
    while len(cl) < claims:
        cl.append(Claim(rng.choice(ms).id, rng.choice(caps).id, rng.choice(("strength", "mixed", "weakness")),
                        sources=src))
    return KnowledgeBase(tuple(ms[:models]), tuple(caps[:capabilities]), tuple(cl[:claims]), version="bench")


def captions(n: int, seed: int = 11) -> list[CheckRequest]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = f"{rng.choice(MODELS)}: {rng.choice(SHOTS).format(w=rng.choice(WORDS))} {rng.choice(EXTRAS)}"
        out.append(CheckRequest(f"https://www.youtube.com/watch?v={i:011d}", caption=text, fetch=False))
    return out


class FixedKnowledge:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def knowledge_base(self, community_id: str) -> KnowledgeBase:
        return self.kb

    def cached(self, community_id: str) -> KnowledgeBase:
        """In memory, as the running bot's snapshot cache is between version polls: no storage trip."""
        return self.kb


def _time_each(loop: asyncio.AbstractEventLoop, fn, requests: list[CheckRequest]) -> list[float]:  # type: ignore[no-untyped-def]
    actor = Actor("console:local", "bench")
    out = []
    for req in requests:
        t0 = time.perf_counter_ns()
        loop.run_until_complete(fn(req, actor))
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


async def _noop(request: CheckRequest, actor: Actor) -> None:
    return None


def _startup(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


LONG_WORDS = ("golden light spills across a quiet harbour as fishing boats rock gently, gulls circle overhead, "
              "a woman in a red coat walks along the pier while an old man mends nets, waves lap at the stones, "
              "steam rises from a food stall where two kids eat noodles, the camera slowly orbits the scene, "
              "lanterns flicker on, a dog runs past, rain begins to fall and people open umbrellas").split()


def long_captions(n: int, words: int = 100, seed: int = 13, first_id: int = 10_000_000) -> list[CheckRequest]:
    """100-word captions, as members paste them from a post (the issue's batch workload)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = " ".join(rng.choice(LONG_WORDS) for _ in range(words - 2))
        out.append(CheckRequest(f"https://vimeo.com/{first_id + i}", caption=f"{rng.choice(MODELS)}: {text}",
                                fetch=False))
    return out


def _batch_per_check(loop: asyncio.AbstractEventLoop, service: CheckService, requests: list[CheckRequest],
                     every: int) -> float:
    """Wall time of a whole batch, flushes included, divided by its checks (ms)."""
    actor = Actor("console:local", "bench")

    async def run() -> None:
        for i, req in enumerate(requests, start=1):
            await service.check(req, actor)
            if i % every == 0:
                await service.flush()
        await service.flush()

    t0 = time.perf_counter_ns()
    loop.run_until_complete(run())
    return (time.perf_counter_ns() - t0) / 1e6 / len(requests)


def _longest_stall(loop: asyncio.AbstractEventLoop, service: CheckService, requests: list[CheckRequest],
                   concurrency: int = 8) -> tuple[float, float]:
    """The event loop's longest gap (ms) while `concurrency` checks write to SQLite at once, and a tick-only run's."""
    actor = Actor("console:local", "bench")

    async def measure(work: bool) -> float:
        gaps: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        if work:
            sem = asyncio.Semaphore(concurrency)

            async def one(req: CheckRequest) -> None:
                async with sem:
                    await service.check(req, actor)

            await asyncio.gather(*(one(r) for r in requests))
        else:
            await asyncio.sleep(0.2)
        done.set()
        await tick
        return max(gaps) * 1000

    return loop.run_until_complete(measure(True)), loop.run_until_complete(measure(False))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--checks", type=int, default=1000)
    ap.add_argument("--startup-runs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=2000, help="captions in the batch-with-writes figure")
    args = ap.parse_args(argv)

    kb = padded_kb()
    requests = captions(args.checks)
    loop = asyncio.new_event_loop()
    print(f"knowledge base: {len(kb.models)} models x {len(kb.capabilities)} capabilities x {len(kb.claims)} claims")
    print(f"workload: {len(requests)} generated captions, --no-fetch")

    memory = CheckService(FixedKnowledge(kb))
    memory.pipeline("console:local")  # compile once, as a running bot would have
    no_store = [replace(r, store=False) for r in requests]
    _time_each(loop, memory.check, no_store[:100])  # warm caches (stemmer, regexes)
    base = statistics.median(_time_each(loop, _noop, requests))
    plain = statistics.median(_time_each(loop, memory.check, no_store))

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        store = Storage.on(engine)
        store.knowledge.import_knowledge(kb)
        stored = CheckService(store.knowledge, metadata_cache=store.metadata, check_log=store.checks,
                              io=store.threads)
        stored.pipeline("console:local")
        _time_each(loop, stored.check, requests[:50])
        writes = statistics.median(_time_each(loop, stored.check, requests))
        # As a chat process runs (adapters/wiring.py build_app): captions read off the loop, short
        # interpreter-lock slices.
        keep_loop_responsive()
        # A Discord or Slack process (build_app(serving=True)): captions read in a child process, verdicts
        # decided on the storage thread (SQLite: adapters/wiring.py `_reading_thread`).
        reader = ReadingProcess()
        reader.start()
        chat = CheckService(store.knowledge, metadata_cache=store.metadata, check_log=store.checks,
                            io=store.threads, reading=store.threads, on_new_pipeline=settle_heap,
                            caption_reader=reader)
        chat.pipeline("console:local")
        _longest_stall(loop, chat, long_captions(40, first_id=89_000_000))  # the child has the snapshot now
        # Three runs: the longest stall is a tail figure, and a rare full garbage collection is part of it.
        stalls = [_longest_stall(loop, chat, long_captions(400, first_id=90_000_000 + 1_000 * k)) for k in range(3)]
        stall, idle_stall = max(s for s, _ in stalls), max(i for _, i in stalls)
        reader.close()
        # The console's way: reading on the storage thread, sharing the interpreter lock with the loop.
        threaded = CheckService(store.knowledge, metadata_cache=store.metadata, check_log=store.checks,
                                io=store.threads, reading=store.threads)
        threaded_stall = max(_longest_stall(loop, threaded, long_captions(400, first_id=92_000_000 + 1_000 * k))[0]
                             for k in range(3))
        inline_stall, _ = _longest_stall(loop, stored, long_captions(400, first_id=91_000_000))
        sys.setswitchinterval(0.005)

        long = long_captions(args.batch)
        long_plain = statistics.median(_time_each(loop, memory.check, [replace(r, store=False) for r in long[:500]]))
        # As `yuntai check --batch --no-fetch` runs (adapters/wiring.py): database calls inline, no loop to serve.
        batched = CheckService(store.knowledge, metadata_cache=store.metadata, check_log=store.checks,
                               io=InlineIO(), record_batch=64)
        batch_runs = [_batch_per_check(loop, batched, long_captions(args.batch, first_id=20_000_000 * (k + 1)), 64)
                      for k in range(3)]
        one_by_one = _batch_per_check(loop, stored, long_captions(500, first_id=95_000_000), 1)
        store.close()
    loop.close()

    print(f"no-op baseline (event-loop round trip): median {base:.4f} ms")
    print(f"check, no database writes:              median {plain:.3f} ms  ({plain / base:,.0f}x baseline; "
          f"added {plain - base:.3f} ms; target < 2 ms)")
    print(f"check, with SQLite writes + cache read: median {writes:.3f} ms  ({writes / base:,.0f}x baseline; "
          f"{writes / plain:.1f}x the no-write check)")
    batch_ms = statistics.median(batch_runs)
    print(f"batch of {args.batch} 100-word captions, SQLite, one commit per 64 checks: {batch_ms:.3f} ms a check "
          f"(median of {len(batch_runs)} runs; {batch_ms / base:,.0f}x baseline; {batch_ms / long_plain:.1f}x the "
          f"same captions without writes, {long_plain:.3f} ms; target < 1.5 ms)")
    print(f"  the same with one commit per check: {one_by_one:.3f} ms a check ({one_by_one / batch_ms:.1f}x batched)")
    print(f"event loop's longest stall while 8 checks write to SQLite at once (worst of 3 runs): {stall:.2f} ms "
          f"(an idle loop's: {idle_stall:.2f} ms; target < 5 ms); reading on a thread instead: "
          f"{threaded_stall:.2f} ms, on the loop: {inline_stall:.2f} ms")

    exe = Path(sys.executable).with_name("yuntai")
    py = _startup([sys.executable, "-c", "pass"], args.startup_runs)
    help_ms = _startup([str(exe), "--help"], args.startup_runs)
    print(f"start-up: python -c pass median {py:.1f} ms; yuntai --help median {help_ms:.1f} ms "
          f"({help_ms / py:.2f}x bare Python; target < 300 ms)")
