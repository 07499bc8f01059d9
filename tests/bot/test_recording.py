"""Storing checks in groups: all at once, or row by row when storage refuses one row."""

from __future__ import annotations

import asyncio

import pytest

from bot.ports import CheckRecordIn, ThreadIO
from bot.recording import CheckRecorder


class RowRefused(Exception):
    pass


class Log:
    def __init__(self, refuse: set[str] = frozenset(), broken: bool = False) -> None:
        self.refuse, self.broken = refuse, broken
        self.calls: list[list[str]] = []
        self.stored: list[str] = []

    def record_checks(self, records) -> None:
        names = [r.caption for r in records]
        self.calls.append(names)
        if self.broken:
            raise RuntimeError("disk full")
        if self.refuse & set(names):
            raise RowRefused(names)
        self.stored.extend(names)


def rec(name: str) -> CheckRecordIn:
    return CheckRecordIn("c", "u", "youtube", None, name, result=object())  # type: ignore[arg-type]


def run(recorder: CheckRecorder, names: list[str]):
    async def go():
        for n in names:
            await recorder.record(rec(n))
        return await recorder.flush()

    return asyncio.run(go())


def test_a_group_is_one_call_and_nothing_is_stored_before_flush():
    log = Log()
    recorder = CheckRecorder(log, ThreadIO(), batch=64)
    asyncio.run(recorder.record(rec("a")))
    assert log.calls == [] and recorder.pending == 1
    assert run(recorder, ["b", "c"]) == []
    assert log.calls == [["a", "b", "c"]] and log.stored == ["a", "b", "c"]


def test_a_refused_row_costs_only_that_row():
    log = Log(refuse={"b"})
    recorder = CheckRecorder(log, ThreadIO(), batch=64, is_row_error=lambda e: isinstance(e, RowRefused))
    refused = run(recorder, ["a", "b", "c"])
    assert [r.caption for r, _ in refused] == ["b"]
    assert log.stored == ["a", "c"]


def test_a_broken_database_raises_and_stores_nothing():
    log = Log(broken=True)
    recorder = CheckRecorder(log, ThreadIO(), batch=64, is_row_error=lambda e: isinstance(e, RowRefused))
    with pytest.raises(RuntimeError):
        run(recorder, ["a", "b"])
    assert log.stored == []


def test_one_at_a_time_stores_before_returning():
    log = Log()
    recorder = CheckRecorder(log, ThreadIO(), batch=1)
    asyncio.run(recorder.record(rec("a")))
    assert log.stored == ["a"] and recorder.pending == 0
