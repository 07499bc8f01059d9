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
from bot.ports import Actor
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--checks", type=int, default=1000)
    ap.add_argument("--startup-runs", type=int, default=15)
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
        engine.dispose()
    loop.close()

    print(f"no-op baseline (event-loop round trip): median {base:.4f} ms")
    print(f"check, no database writes:              median {plain:.3f} ms  ({plain / base:,.0f}x baseline; "
          f"added {plain - base:.3f} ms; target < 2 ms)")
    print(f"check, with SQLite writes + cache read: median {writes:.3f} ms  ({writes / base:,.0f}x baseline; "
          f"{writes / plain:.1f}x the no-write check)")

    exe = Path(sys.executable).with_name("yuntai")
    py = _startup([sys.executable, "-c", "pass"], args.startup_runs)
    help_ms = _startup([str(exe), "--help"], args.startup_runs)
    print(f"start-up: python -c pass median {py:.1f} ms; yuntai --help median {help_ms:.1f} ms "
          f"({help_ms / py:.2f}x bare Python; target < 300 ms)")
