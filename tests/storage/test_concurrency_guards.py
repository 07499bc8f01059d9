"""Two processes on one database: curation made in one reaches the other's checks, and two checks of the
same new clip at the same moment are both stored against one clip row.

Why two `Storage` objects with their own engines: that is what two bot processes (or a bot and `yuntai kb`)
share, the database and nothing else; the snapshot cache and connection pool of one are invisible to the other.
Runs on SQLite and Postgres through the shared `storage` fixture.
"""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import text

import storage.gateways as gateways
from bot.curation import Curation
from bot.ports import Actor
from bot.service import CheckRequest, CheckService
from storage.bootstrap import Storage
from storage.db import make_engine
from storage.tables import GLOBAL

ADMIN = Actor("discord:1", "alice", is_admin=True)
MEMBER = Actor("discord:1", "bob")
SRC = "https://example.com/reviews/sora-walking"
CAPTION = "Sora: a man walking down the street"


def second_process(st: Storage, interval: float) -> Storage:
    """A Storage on the same database through an engine of its own."""
    return Storage.on(make_engine(st.engine.url.render_as_string(hide_password=False)),
                      version_check_interval=interval)


def check(st: Storage, url: str, caption: str = CAPTION, actor: Actor = MEMBER):  # type: ignore[no-untyped-def]
    svc = CheckService(st.knowledge, check_log=st.checks, io=st.threads)
    return asyncio.run(svc.check(CheckRequest(url, caption=caption, fetch=False), actor))


def walking_ratings(result) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(c["rating"] for c in result.to_json()["claims"] if c["capability"] == "walking")


class Clock:
    """The snapshot cache's monotonic clock, moved by hand (only that module's; asyncio keeps the real one)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_curation_in_one_process_reaches_the_others_next_check_after_the_poll(storage, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(gateways, "time", SimpleNamespace(monotonic=clock.monotonic))
    other = second_process(storage, interval=1.0)
    try:
        before = check(other, "https://www.youtube.com/watch?v=aaaaaaaaaa1")
        assert walking_ratings(before) == ["weakness"]

        cur = Curation(storage.curation, storage.knowledge.knowledge_base,
                       lambda: storage.knowledge.knowledge_base(GLOBAL))
        cur.set_claim(ADMIN, "sora", "walking", "strength", SRC, "walks fine now", update=False)
        changed = storage.knowledge.knowledge_base("discord:1").version
        assert changed != before.kb_version

        clock.now += 0.5  # within the poll interval: the other process still answers from its snapshot
        cached = check(other, "https://www.youtube.com/watch?v=aaaaaaaaaa2")
        assert cached.kb_version == before.kb_version and walking_ratings(cached) == ["weakness"]

        clock.now += 0.6  # past it: the next check polls the version and rebuilds
        after = check(other, "https://www.youtube.com/watch?v=aaaaaaaaaa3")
        assert after.kb_version == changed
        assert walking_ratings(after) == ["strength"]
        assert after.level != before.level

        # another community of the same process is untouched by discord:1's curation
        elsewhere = check(other, "https://www.youtube.com/watch?v=aaaaaaaaaa4", actor=Actor("discord:2", "c"))
        assert walking_ratings(elsewhere) == ["weakness"]
    finally:
        other.close()


def test_a_global_import_by_another_process_reaches_a_running_one(storage, monkeypatch):
    """`yuntai kb import` in another process changes the global rows; the running bot picks them up."""
    import dataclasses

    from tests.conftest import make_tiny_kb

    clock = Clock()
    monkeypatch.setattr(gateways, "time", SimpleNamespace(monotonic=clock.monotonic))
    other = second_process(storage, interval=1.0)
    try:
        assert walking_ratings(check(other, "https://www.youtube.com/watch?v=bbbbbbbbbb1")) == ["weakness"]
        kb = make_tiny_kb()
        claims = tuple(dataclasses.replace(c, rating="mixed") if (c.model, c.capability) == ("sora", "walking")
                       else c for c in kb.claims)
        report = storage.knowledge.import_knowledge(dataclasses.replace(kb, claims=claims), actor="seed")
        clock.now += 1.5
        after = check(other, "https://www.youtube.com/watch?v=bbbbbbbbbb2")
        assert after.kb_version == report.version
        assert walking_ratings(after) == ["mixed"]
    finally:
        other.close()


def counts(st: Storage) -> tuple[int, int]:
    with st.engine.connect() as conn:
        return (conn.execute(text("SELECT count(*) FROM clip")).scalar_one(),
                conn.execute(text("SELECT count(*) FROM check_record")).scalar_one())


@pytest.mark.timeout(60)
def test_two_processes_checking_the_same_new_clip_at_once_store_both_and_one_clip(storage):
    other = second_process(storage, interval=0.0)
    clips = [f"https://www.youtube.com/watch?v=race{n:07d}" for n in range(40)]
    barrier = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []
    results: dict[str, list[str]] = {"a": [], "b": []}

    def member(name: str, st: Storage) -> None:
        try:
            for url in clips:
                barrier.wait()  # both start the same new clip together
                results[name].append(check(st, url, actor=Actor("discord:1", name)).clip_id)
        except BaseException as exc:  # noqa: BLE001 - reported below, with the barrier broken for the other
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=member, args=(n, s)) for n, s in (("a", storage), ("b", other))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=50)
    finally:
        other.close()
    assert errors == []
    assert counts(storage) == (len(clips), 2 * len(clips))
    assert results["a"] == results["b"]  # both were told the same short id for each clip
    with storage.engine.connect() as conn:
        per_clip = conn.execute(text("SELECT c.canonical_url, count(r.id) FROM clip c JOIN check_record r "
                                     "ON r.clip_id = c.id GROUP BY c.canonical_url")).all()
    assert sorted(per_clip) == sorted((url, 2) for url in clips)
