"""A chat process reads captions and decides verdicts off the event loop; a batch run reads inline."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections import OrderedDict

import pytest

from bot import compiled_knowledge
from bot.ports import Actor, InlineIO, ReadingThread, keep_loop_responsive
from bot.reading_process import ReadingProcess
from bot.service import CheckRequest, CheckService
from bot.signals import SignalExtractor
from bot.verdict import VerdictRules
from helpers.processes import wait_until_ended
from helpers.seeded_db import seeded_copy
from helpers.shipped_seed import shipped_seed


class Fixed:
    def __init__(self) -> None:
        self.kb = shipped_seed()

    def knowledge_base(self, community_id: str):  # type: ignore[no-untyped-def]
        return self.kb


def _threads_used(monkeypatch: pytest.MonkeyPatch, service: CheckService) -> set[str]:
    seen: set[str] = set()
    extract, decide = SignalExtractor.extract, VerdictRules.decide

    def spy_extract(self, given):  # type: ignore[no-untyped-def]
        seen.add("extract@" + threading.current_thread().name)
        return extract(self, given)

    def spy_decide(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.add("decide@" + threading.current_thread().name)
        return decide(self, *args, **kwargs)

    monkeypatch.setattr(SignalExtractor, "extract", spy_extract)
    monkeypatch.setattr(VerdictRules, "decide", spy_decide)

    async def run() -> str:
        result = await service.check(CheckRequest("https://vimeo.com/123", caption="Sora 2: a cat eating noodles",
                                                  fetch=False, store=False), Actor("console:local", "me"))
        return str(result.level)

    assert asyncio.run(run())
    return seen


def test_with_a_reading_thread_the_caption_is_read_and_decided_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    reading = ReadingThread()
    try:
        seen = _threads_used(monkeypatch, CheckService(Fixed(), reading=reading))
    finally:
        reading.close()
    assert {s.split("@")[0] for s in seen} == {"extract", "decide"}
    assert all(s.split("@")[1].startswith("yuntai-read") for s in seen), seen


def test_without_one_a_check_reads_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _threads_used(monkeypatch, CheckService(Fixed()))
    assert seen == {"extract@MainThread", "decide@MainThread"}


def test_keep_loop_responsive_shortens_the_lock_slice_and_never_lengthens_it() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        keep_loop_responsive()
        assert sys.getswitchinterval() <= 0.001
        sys.setswitchinterval(0.0001)
        keep_loop_responsive()
        assert sys.getswitchinterval() == pytest.approx(0.0001)
    finally:
        sys.setswitchinterval(before)


def test_chat_apps_read_on_a_thread_gateways_in_a_child_and_batch_apps_inline(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.wiring import build_app
    from bot.config import Settings

    monkeypatch.setenv("DATABASE_URL", seeded_copy(tmp_path / 'y.db'))
    before = sys.getswitchinterval()
    settings = Settings.from_env()
    chat = build_app(settings, fetch=False)
    batch = build_app(settings, fetch=False, record_batch=64)
    fetching = build_app(settings, fetch=True, record_batch=64)
    gateway = build_app(settings, fetch=False, serving=True)
    try:
        # on SQLite a chat process reads captions on the one storage thread: off the loop, one thread fewer
        assert chat.checks.reading is chat.storage.threads
        assert chat.checks.io is chat.storage.threads  # the loop never waits on SQLite
        assert chat.checks.caption_reader is None  # the console has no gateway deadline: no child to start
        assert batch.checks.reading is None and batch.checks.caption_reader is None
        assert isinstance(batch.checks.io, InlineIO)  # nothing to overlap: no hop per check
        assert fetching.checks.io is fetching.storage.threads  # fetches overlap with the database work
        # Discord and Slack processes read captions in a child process (bot/reading_process.py)
        reader = gateway.checks.caption_reader
        assert isinstance(reader, ReadingProcess)
        child = asyncio.run(reader.pid())
        assert child != os.getpid()
    finally:
        for app in (chat, batch, fetching, gateway):
            app.close()
        sys.setswitchinterval(before)
    wait_until_ended(child)  # App.close() ends it


def test_a_new_knowledge_base_is_compiled_off_the_loop_once_then_the_heap_is_settled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # new to this process too: an earlier test's service may have compiled the seed (bot.compiled_knowledge)
    monkeypatch.setattr(compiled_knowledge, "_snapshots", OrderedDict())
    compiled_on: list[str] = []
    init = SignalExtractor.__init__

    def spy(self, kb):  # type: ignore[no-untyped-def]
        compiled_on.append(threading.current_thread().name)
        init(self, kb)

    monkeypatch.setattr(SignalExtractor, "__init__", spy)
    settled: list[int] = []
    reading = ReadingThread()
    service = CheckService(Fixed(), reading=reading, on_new_pipeline=lambda: settled.append(1))

    async def three_checks() -> None:
        for n in range(3):
            await service.check(CheckRequest(f"https://vimeo.com/{n + 1}", caption="a dog on a beach", fetch=False,
                                             store=False), Actor("console:local", "me"))

    try:
        asyncio.run(three_checks())
    finally:
        reading.close()
    assert len(compiled_on) == 1 and compiled_on[0].startswith("yuntai-read")  # once, and not on the loop
    assert settled == [1]


def test_settle_heap_freezes_what_is_alive() -> None:
    import gc

    from bot.ports import settle_heap

    gc.unfreeze()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_on_postgres_a_chat_app_reads_on_a_thread_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.wiring import _reading_thread

    class PgStorage:
        class engine:  # noqa: N801 - stands in for an Engine's dialect
            class dialect:  # noqa: N801
                name = "postgresql"
        threads = object()

    reading = _reading_thread(PgStorage())  # type: ignore[arg-type]
    try:
        assert isinstance(reading, ReadingThread)
    finally:
        reading.close()  # type: ignore[attr-defined]
