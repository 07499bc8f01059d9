"""What the LLM summarizer adds on top of the LLM server itself, and how many requests it saves.

Against the loopback fake OpenAI-compatible server (tests/helpers/fake_openai.py) with a fixed
200 ms latency, on a SQLite store in a temporary folder:
- 100 concurrent summaries of one clip -> requests made (target 1);
- 1,000 summaries of 100 clips, all concurrent -> requests made (target 100);
- the median added overhead of one summary (cache miss: prompt building, cache lookups, budget
  check, single-flight, retries wrapper, validation, usage and cache writes) against calling the
  server directly with the same client in the same run (target < 5 ms), and the cost of a cache hit.

Run: .venv/bin/python -m bench.llm_overhead [--samples 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT, ROOT / "tests"):  # the project, and tests/ so the fakes import as `helpers.*` as in the tests
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from bot.llm import LLMSettings, LLMStore, LLMSummarizer, MemoryLLMStore  # noqa: E402
from bot.llm.prompt import REQUIRED_PHRASE, build  # noqa: E402
from bot.results import (  # noqa: E402
    ClaimView,
    ClipInfo,
    CommunityEvidence,
    ModelSignal,
    Shown,
    Signals,
    Takes,
    Verdict,
    WorkflowSignal,
)
from bot.summary import SummaryRequest  # noqa: E402
from helpers.fake_openai import FakeOpenAI, ok  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.llm_store import SqlLLMStore  # noqa: E402

LATENCY = 0.2


def reply_for(body: dict) -> str:
    """The fake model answers correctly for whatever level it was given."""
    text = "\n".join(m.get("content") or "" for m in body.get("messages", []))
    found = re.search(r'"level":"(\w+)"', text)
    level = found.group(1) if found else "mixed"
    return (f"This Sora clip, by the knowledge base, {REQUIRED_PHRASE[level]}: what it shows is rated [C1]. "
            "It does not show talking or walking, where Sora is documented as weak.")


def make_request(i: int, community: str = "discord:bench") -> SummaryRequest:
    signals = Signals(ModelSignal("sora", "Sora", "caption"), WorkflowSignal("text-to-video", "caption"), False,
                      Takes(), (Shown("plants", ("subjects", "plants"), "forest"),))
    verdict = Verdict("showcase", ("Everything rated that it shows is a documented strength of Sora.",),
                      (ClaimView("plants", "strength", ("https://example.org/r",)),), ("talking", "walking"), (),
                      ("How Sora does at talking, walking.",))
    url = f"https://www.youtube.com/watch?v=bench{i:04d}"
    clip = ClipInfo(url, url, "youtube", f"Sora forest flythrough #{i}", "made with sora, a forest at dawn")
    return SummaryRequest(clip, signals, verdict, CommunityEvidence(), {"plants": "plants"}, community, "kb-bench")


async def run(samples: int, store_kind: str = "sqlite") -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        store: LLMStore = SqlLLMStore(engine) if store_kind == "sqlite" else MemoryLLMStore()
        async with FakeOpenAI([ok(reply_for)], latency=LATENCY) as fake:
            settings = LLMSettings(base_url=fake.base_url, deadline=10.0, daily_token_budget=10**9)

            s = LLMSummarizer(settings, store)
            before = fake.count
            t = time.perf_counter()
            results = await asyncio.gather(*(s.summarize(make_request(0)) for _ in range(100)))
            figures["one_clip_requests"] = fake.count - before
            figures["one_clip_wall_ms"] = (time.perf_counter() - t) * 1000
            figures["one_clip_llm"] = sum(r.source == "llm" for r in results)

            s2 = LLMSummarizer(settings, store)
            order = [1 + i % 100 for i in range(1000)]
            random.Random(7).shuffle(order)
            before = fake.count
            t = time.perf_counter()
            results = await asyncio.gather(*(s2.summarize(make_request(i)) for i in order))
            figures["hundred_clips_requests"] = fake.count - before
            figures["hundred_clips_wall_ms"] = (time.perf_counter() - t) * 1000
            figures["hundred_clips_llm"] = sum(r.source == "llm" for r in results)

            s3 = LLMSummarizer(settings, store)
            client = s3.pool.get()
            assert client is not None
            direct: list[float] = []
            via: list[float] = []
            hits: list[float] = []
            for n in range(samples):
                req = make_request(10_000 + n)
                messages = build(req).messages
                t = time.perf_counter()
                await client.chat.completions.create(model=settings.model, messages=messages,  # type: ignore[arg-type]
                                                     max_tokens=settings.max_tokens, temperature=0.2)
                direct.append(time.perf_counter() - t)
                t = time.perf_counter()
                summary = await s3.summarize(req)
                via.append(time.perf_counter() - t)
                assert summary.source == "llm", summary
                t = time.perf_counter()
                await s3.summarize(req)
                hits.append(time.perf_counter() - t)
            figures["direct_ms"] = statistics.median(direct) * 1000
            figures["summarizer_ms"] = statistics.median(via) * 1000
            figures["overhead_ms"] = figures["summarizer_ms"] - figures["direct_ms"]
            figures["cache_hit_ms"] = statistics.median(hits) * 1000
            for x in (s, s2, s3):
                await x.aclose()
        engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.llm_overhead", description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=30, help="sequential cache misses to time (default 30)")
    p.add_argument("--store", choices=("sqlite", "memory"), default="sqlite", help="where summaries and usage go")
    args = p.parse_args(argv)
    f = asyncio.run(run(args.samples, args.store))
    print(f"LLM summarizer vs a fake OpenAI-compatible server with {LATENCY * 1000:.0f} ms latency "
          f"({args.store} store)")
    print(f"  100 concurrent summaries of one clip:  {f['one_clip_requests']:.0f} request(s) "
          f"({f['one_clip_llm']:.0f}/100 llm, {f['one_clip_wall_ms']:.0f} ms wall)")
    print(f"  1,000 summaries of 100 clips:          {f['hundred_clips_requests']:.0f} requests "
          f"({f['hundred_clips_llm']:.0f}/1000 llm, {f['hundred_clips_wall_ms']:.0f} ms wall)")
    print(f"  one summary, cache miss (median of {args.samples}): {f['summarizer_ms']:.1f} ms vs "
          f"{f['direct_ms']:.1f} ms calling the server directly")
    verdict = "OK" if f["overhead_ms"] < 5 else "OVER TARGET"
    print(f"  added overhead per summary: {f['overhead_ms']:.2f} ms (target < 5 ms: {verdict})")
    print(f"  cache hit: {f['cache_hit_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
