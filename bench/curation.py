"""Speed of community curation on SQLite: one `/kb` change, and the community's layered snapshot after it.

Workload: the shipped seed in a fresh SQLite file; a community with ``--overrides`` claims of its own.
Measured (medians of ``--runs``): a change (read under the write lock, decide, store override + history
row + version bump, commit) and the rebuild of that community's snapshot that the next check pays. The
same-run baselines are a bare settings save (one row + history, one commit) and a rebuild of the global
snapshot, so a busier machine moves both sides and the ratios stay comparable.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.curation import Curation
from bot.policy import CommunitySettings
from bot.ports import Actor
from storage.bootstrap import open_storage
from storage.tables import GLOBAL

COMMUNITY = "bench:1"


def _median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.curation")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--overrides", type=int, default=200)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        st = open_storage(f"sqlite:///{Path(tmp) / 'bench.db'}")
        cache = st.knowledge
        cur = Curation(st.curation, cache.knowledge_base, lambda: cache.knowledge_base(GLOBAL))
        admin = Actor(COMMUNITY, "bench-admin", is_admin=True)
        glob = cache.knowledge_base(GLOBAL)
        pairs = [(m.id, c.id) for m in glob.models for c in glob.capabilities][: args.overrides + args.runs]
        for m, c in pairs[: args.overrides]:
            cur.set_claim(admin, m, c, "mixed", f"https://example.com/bench/{m}/{c}", None, update=False)
        rest = pairs[args.overrides:]

        change = _median_ms(lambda i: cur.set_claim(admin, rest[i][0], rest[i][1], "strength",
                                                    f"https://example.com/b/{i}", None, update=False), args.runs)
        save = _median_ms(lambda i: st.settings.save_settings(
            CommunitySettings(COMMUNITY, watched_channels=frozenset({f"c{i}"})), "bench"), args.runs)

        def rebuild(community: str):  # type: ignore[no-untyped-def]
            def run(i: int) -> None:
                cache.invalidate()
                cache._global = None  # noqa: SLF001 - measure a cold rebuild, not the global snapshot cache
                cache.knowledge_base(community)
            return run

        layered = _median_ms(rebuild(COMMUNITY), args.runs)
        plain = _median_ms(rebuild(GLOBAL), args.runs)
        st.close()
    print(f"curation on SQLite, {args.overrides} community claims over the shipped seed, {args.runs} runs:")
    print(f"  one /kb change (override + history + version, one commit): {change:7.2f} ms median; "
          f"a bare settings save: {save:6.2f} ms; ratio {change / save:4.2f}")
    print(f"  layered snapshot rebuild: {layered:7.2f} ms median; global snapshot rebuild: {plain:6.2f} ms; "
          f"ratio {layered / plain:4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
