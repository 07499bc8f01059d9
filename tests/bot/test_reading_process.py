"""A gateway process reads captions in a child process: same signals, another interpreter, survives a dead child."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, Model
from bot.ports import Actor, ReadingUnavailable
from bot.reading_process import ReadingProcess
from bot.service import CheckRequest, CheckService
from bot.signals import SignalExtractor, SignalInput
from helpers.processes import wait_until_ended
from helpers.shipped_seed import shipped_seed
from tests.conftest import FixedKnowledge

CAPTIONS = Path(__file__).resolve().parents[1] / "data" / "captions.jsonl"
ME = Actor("console:local", "me")


def _forget_every_snapshot() -> int:
    """Runs in the child (pickled by name): as if it had been restarted behind the parent's back."""
    from bot import reading_process

    n = len(reading_process._extractors)
    reading_process._extractors.clear()
    return n


@pytest.fixture(scope="module")
def seed() -> KnowledgeBase:
    return shipped_seed()


@pytest.fixture(scope="module")
def reader() -> Iterator[ReadingProcess]:
    """One child for the tests that leave it alive (starting an interpreter is most of each test's cost)."""
    r = ReadingProcess()
    r.start()
    yield r
    r.close()


def _check(caption: str, n: int = 1) -> CheckRequest:
    return CheckRequest(f"https://vimeo.com/{n}", caption=caption, fetch=False, store=False)


def test_the_child_reads_every_labelled_caption_as_this_process_does(reader: ReadingProcess,
                                                                     seed: KnowledgeBase) -> None:
    rows = [json.loads(line) for line in CAPTIONS.read_text().splitlines()][:120]
    here = SignalExtractor(seed)
    given = [SignalInput(canonical_url=f"https://vimeo.com/{r['id']}", caption=r["text"], platform="vimeo")
             for r in rows]

    async def read_all() -> list:
        return await asyncio.gather(*(reader.extract(seed, g) for g in given))

    there = asyncio.run(read_all())
    assert there == [here.extract(g) for g in given]
    assert sum(1 for s in there if s.model) > 20 and sum(1 for s in there if s.shown) > 100  # not all empty


def test_a_check_is_read_in_another_process(reader: ReadingProcess, seed: KnowledgeBase,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    expected = asyncio.run(CheckService(FixedKnowledge(seed)).check(
        _check("Sora 2: a cat eating noodles, best of 40 takes"), ME))

    def not_here(self, given):  # type: ignore[no-untyped-def]
        raise AssertionError("read in the parent process")

    monkeypatch.setattr(SignalExtractor, "extract", not_here)
    service = CheckService(FixedKnowledge(seed), caption_reader=reader)

    async def run():  # type: ignore[no-untyped-def]
        return await service.check(_check("Sora 2: a cat eating noodles, best of 40 takes"), ME), \
            await reader.pid()

    result, child = asyncio.run(run())
    assert child != os.getpid()
    # the child gives way to the parent's event loop: lower priority, one CPU of its own when there are several
    # (19 is the ceiling: under `nice -n 10 make test` the parent is at 10 already)
    assert os.getpriority(os.PRIO_PROCESS, child) == min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)
    if len(os.sched_getaffinity(0)) > 1:
        assert os.sched_getaffinity(child) == {max(os.sched_getaffinity(0))}
    assert result.signals == expected.signals and result.level == expected.level
    assert result.signals.model is not None and result.signals.model.id == "sora-2"


def test_a_new_knowledge_base_reaches_the_child_and_an_old_one_is_still_read(reader: ReadingProcess,
                                                                             seed: KnowledgeBase) -> None:
    grown = replace(seed, models=seed.models + (Model("zeta-9", "Zeta 9", "Zeta Labs", aliases=("zeta 9",)),),
                    version=seed.version + "+zeta")
    caption = SignalInput(canonical_url="https://vimeo.com/9", caption="made with Zeta 9: a dog running on a beach")

    async def read(kb: KnowledgeBase):  # type: ignore[no-untyped-def]
        return await reader.extract(kb, caption)

    assert asyncio.run(read(seed)).model is None
    found = asyncio.run(read(grown)).model
    assert found is not None and found.id == "zeta-9"
    assert asyncio.run(read(seed)).model is None  # the older snapshot, kept in the child, still answers
    # the same version string on a different snapshot (a test KB, a re-import) is sent again, not confused
    assert asyncio.run(read(replace(grown, version=seed.version))).model.id == "zeta-9"  # type: ignore[union-attr]


def test_a_child_that_lost_its_snapshots_is_sent_them_again(reader: ReadingProcess, seed: KnowledgeBase) -> None:
    caption = SignalInput(canonical_url="https://vimeo.com/5", caption="Kling 2.1 basketball dunk, first try")

    async def run():  # type: ignore[no-untyped-def]
        before = await reader.extract(seed, caption)
        forgotten = await reader.call(_forget_every_snapshot)
        return before, forgotten, await reader.extract(seed, caption)

    before, forgotten, after = asyncio.run(run())
    assert forgotten >= 1
    assert after == before and after.model is not None


def test_a_killed_child_is_replaced_and_after_close_checks_are_read_on_a_thread(
        seed: KnowledgeBase, caplog: pytest.LogCaptureFixture) -> None:
    reader = ReadingProcess()
    service = CheckService(FixedKnowledge(seed), caption_reader=reader)

    async def run():  # type: ignore[no-untyped-def]
        first = await service.check(_check("Veo 3 hockey game, slow motion"), ME)
        old = await reader.pid()
        os.kill(old, 9)
        second = await service.check(_check("Veo 3 hockey game, slow motion", 2), ME)
        return first, old, second, await reader.pid()

    try:
        with caplog.at_level(logging.WARNING):
            first, old, second, new = asyncio.run(run())
    finally:
        reader.close()
    assert new != old
    assert second.signals == first.signals and second.signals.shown
    assert any("caption-reading process stopped" in r.getMessage() for r in caplog.records)
    wait_until_ended(new)  # close() ends the child

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        third = asyncio.run(service.check(_check("Sora: two people talking in a cafe", 3), ME))
    assert third.signals.model is not None and third.signals.model.id == "sora"
    assert service.caption_reader is None  # one log line, then no more attempts
    assert [r.getMessage() for r in caplog.records if "reading captions on a thread" in r.getMessage()]


class Refusing:
    calls = 0

    async def extract(self, kb: KnowledgeBase, given: SignalInput):  # type: ignore[no-untyped-def]
        self.calls += 1
        raise ReadingUnavailable("no process slots")


def test_a_reader_that_cannot_start_leaves_checks_answered_on_a_thread(seed: KnowledgeBase) -> None:
    refusing = Refusing()
    service = CheckService(FixedKnowledge(seed), caption_reader=refusing)

    async def two() -> list:
        return [await service.check(_check("Kling 2.1: a woman walking in the rain", n), ME)
                for n in (1, 2)]

    a, b = asyncio.run(two())
    assert refusing.calls == 1
    assert a.signals.model is not None and a.signals.model.id.startswith("kling")
    assert a.signals == b.signals


def test_reading_starts_no_thread_in_the_parent(seed: KnowledgeBase) -> None:
    """The loop itself writes requests and reads replies: no feeder or result thread competes with it."""
    before = {t.ident for t in threading.enumerate()}
    fresh = ReadingProcess()

    async def some() -> list:
        return await asyncio.gather(*(fresh.extract(seed, SignalInput(
            canonical_url=f"https://vimeo.com/{n}", caption="Sora 2: a dog runs on a beach")) for n in range(16)))

    try:
        assert all(s.model is not None for s in asyncio.run(some()))
        assert [t.name for t in threading.enumerate() if t.ident not in before] == []
    finally:
        fresh.close()


def test_a_cancelled_reading_does_not_answer_the_next_one(reader: ReadingProcess, seed: KnowledgeBase) -> None:
    long = SignalInput(canonical_url="https://vimeo.com/1",
                       caption=" ".join(["Kling 2.1 basketball dunk in slow motion, first try"] * 60))
    short = SignalInput(canonical_url="https://vimeo.com/2", caption="Sora: two people talking in a cafe")

    async def run():  # type: ignore[no-untyped-def]
        first = asyncio.ensure_future(reader.extract(seed, long))
        await asyncio.sleep(0)  # its request is on its way
        first.cancel()
        return await reader.extract(seed, short)

    answer = asyncio.run(run())
    assert answer == SignalExtractor(seed).extract(short)
    assert answer.model is not None and answer.model.id == "sora"
