"""Storing checks: one transaction per check, or per batch of checks when a batch file is read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.ports import BlockingIO, CheckLog, CheckRecordIn


class CheckRecorder:
    """Hands checks to storage through the async boundary.

    With `batch == 1` (chat) each check is stored before its answer is shown. A batch run buffers its
    checks and commits them together when the caller calls `flush()` (every `batch` lines), which is
    most of what a check costs on SQLite; the caller prints a batch's lines only after `flush()` has
    stored them. When storage refuses one row of a group (`is_row_error`), the group is stored row by
    row so only the rows at fault are lost, and `flush()` returns them with their errors.
    """

    def __init__(self, log: CheckLog, io: BlockingIO, batch: int = 1,
                 is_row_error: Callable[[Exception], bool] | None = None) -> None:
        self.log = log
        self.io = io
        self.batch = max(1, batch)
        self.is_row_error = is_row_error or (lambda exc: False)
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

    async def flush(self) -> list[tuple[CheckRecordIn, Exception]]:
        """Store what is buffered; the rows storage refused, each with its error (others raise)."""
        async with self._lock:
            if not self._pending:
                return []
            records, self._pending = self._pending, []
            try:
                await self.io.run(self.log.record_checks, records)
                return []
            except Exception as exc:
                if not self.is_row_error(exc) or len(records) == 1:
                    if self.is_row_error(exc):
                        return [(records[0], exc)]
                    raise
            refused: list[tuple[CheckRecordIn, Exception]] = []
            for record in records:
                try:
                    await self.io.run(self.log.record_checks, [record])
                except Exception as exc:
                    if not self.is_row_error(exc):
                        raise
                    refused.append((record, exc))
            return refused
