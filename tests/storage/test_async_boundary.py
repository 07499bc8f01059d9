"""Nothing on the event loop waits on a database lock: storage work runs on the storage thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

from bot.ports import Actor
from bot.service import CheckRequest, CheckService
from storage.bootstrap import Storage
from storage.db import make_engine, upgrade
from tests.conftest import make_tiny_kb


def test_the_loop_keeps_running_while_sqlite_is_locked_by_another_process(tmp_path):
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    st = Storage.on(engine)
    st.knowledge.import_knowledge(make_tiny_kb())
    svc = CheckService(st.knowledge, metadata_cache=st.metadata, check_log=st.checks, io=st.threads)
    svc.pipeline("console:local")

    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock ...
    release = threading.Timer(0.6, lambda: holder.execute("COMMIT"))  # ... for 0.6 s

    async def scenario() -> tuple[float, int, float]:
        gaps: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        release.start()
        t0 = time.perf_counter()
        await svc.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Sora: a forest", fetch=False),
                        Actor("console:local", "u"))
        waited = time.perf_counter() - t0
        done.set()
        await tick
        return max(gaps, default=float("inf")), len(gaps), waited

    longest, ticks, waited = asyncio.run(scenario())
    holder.close()
    st.close()
    assert waited >= 0.5  # the check really waited for the lock ...
    assert ticks >= 20 and longest < 0.3  # ... and the loop went on meanwhile (a blocked loop stalls 0.6 s)
