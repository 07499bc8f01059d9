"""Storing checks: one transaction per check, or per batch of checks when a batch file is read."""

from __future__ import annotations

import asyncio

from bot.ports import BlockingIO, CheckLog, CheckRecordIn


class CheckRecorder:
    """Hands checks to storage through the async boundary.

    With `batch == 1` (chat) each check is stored before its answer is shown. A batch run buffers up to
    `batch` checks and commits them together, which is most of what a check costs on SQLite; the caller
    prints a batch's lines only after `flush()` has stored them.
    """

    def __init__(self, log: CheckLog, io: BlockingIO, batch: int = 1) -> None:
        self.log = log
        self.io = io
        self.batch = max(1, batch)
        self._pending: list[CheckRecordIn] = []
        self._lock = asyncio.Lock()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def record(self, record: CheckRecordIn) -> None:
        if self.batch == 1:
            await self.io.run(self.log.record_checks, [record])
            return
        self._pending.append(record)
        if len(self._pending) >= self.batch:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            if not self._pending:
                return
            records, self._pending = self._pending, []
            await self.io.run(self.log.record_checks, records)
