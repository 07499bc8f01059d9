"""The async boundary on the storage side: blocking database work on threads of its own.

SQLite takes one writer at a time, so its work goes to a single thread: the event loop never waits
on the file lock, and writers queue up in order instead of spinning on `busy_timeout`. Postgres
serves several connections at once, so it gets a small pool.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class StorageThreads:
    def __init__(self, workers: int = 1) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yuntai-db")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await loop.run_in_executor(self._executor, call)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
