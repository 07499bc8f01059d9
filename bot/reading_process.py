"""Caption reading in a child process, for chat processes that serve a gateway (Discord, Slack).

Why a process and not a thread: reading a 100-word caption is about a millisecond of pure Python. On a
thread it holds the interpreter lock, so the event loop waits for its turn at every wake-up; with eight
checks at once the loop's longest stall was 4-5.5 ms on two cores even with a 0.5 ms lock slice
(bench/check_speed.py). A child process has an interpreter lock of its own: the loop only waits for the
small pickles going back and forth.

The child keeps the compiled matchers of the last few knowledge-base snapshots, keyed by version; a
snapshot's data crosses the pipe once (the first time that version is read), not with every check. Only
reading (`SignalExtractor.extract`) moves: deciding the verdict is a tenth of the work and needs the
community's evidence, which the parent reads from storage after the signals come back.

If the child dies it is started again for the next check; if a child cannot be started at all, the check
service reads on its own thread instead (`ReadingUnavailable`) and the operator sees one log line.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.knowledge import KnowledgeBase
from bot.ports import ReadingUnavailable
from bot.results import Signals
from bot.signals import SignalExtractor, SignalInput

log = logging.getLogger(__name__)

KEEP_SNAPSHOTS = 8  # as many compiled snapshots as CheckService keeps pipelines
CHILD_NICENESS = 10  # below the parent (0): its event loop is the one with deadlines


class _NeedKnowledge(Exception):
    """The child has no snapshot under this key (it was restarted, or forgot it): send the data again."""


# --- in the child ----------------------------------------------------------------------------------------
_extractors: OrderedDict[str, SignalExtractor] = OrderedDict()


def _child_init() -> None:
    """Every child: end with the parent, leave Ctrl-C to it, yield the CPU to it, load the word-form table.

    A pool's child holds both ends of its own call queue, so it never sees the parent's pipe close: when the
    parent is killed (SIGTERM from a service manager, SIGKILL) it would live on, holding the terminal's or the
    supervisor's output open. Ctrl-C reaches the whole foreground process group; the parent decides what it means.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _step_aside()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), name="yuntai-read-parent", daemon=True).start()
    from bot import word_forms

    word_forms.forms("walk")


def _step_aside() -> None:
    """Lower priority, and one CPU of its own when there are several: the parent's event loop comes first.

    With eight checks at once the child reads without pause; on two cores the loop, its helper threads and the
    child then outnumber the cores, and the scheduler sometimes parked the loop for a few milliseconds. Niced and
    kept to one CPU, the child gives way instead (the loop's longest stall: bench/check_speed.py). A reading is
    only slower when the whole machine is saturated.
    """
    os.nice(CHILD_NICENESS)  # raising one's own niceness needs no privilege
    if hasattr(os, "sched_setaffinity"):  # Linux; elsewhere the scheduler decides alone
        allowed = os.sched_getaffinity(0)
        if len(allowed) > 1:
            os.sched_setaffinity(0, {max(allowed)})


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _child_ready() -> None:
    """Nothing: submitted at start so the child's interpreter is up before the first check."""


def _child_extract(key: str, kb: KnowledgeBase | None, given: SignalInput) -> Signals:
    if kb is not None:
        _extractors[key] = SignalExtractor(kb)
        while len(_extractors) > KEEP_SNAPSHOTS:
            _extractors.popitem(last=False)
        gc.collect()
        gc.freeze()  # as bot.ports.settle_heap: later collections don't walk the snapshot
    extractor = _extractors.get(key)
    if extractor is None:
        raise _NeedKnowledge(key)
    _extractors.move_to_end(key)
    return extractor.extract(given)


def _child_pid() -> int:
    return os.getpid()


# --- in the parent ---------------------------------------------------------------------------------------
class ReadingProcess:
    """One child process that reads captions for this process's check service."""

    def __init__(self, start_method: str = "spawn") -> None:
        # spawn, not fork: a chat process has threads (storage, gateway) whose locks a forked child would inherit.
        self._context = multiprocessing.get_context(start_method)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._sent: OrderedDict[str, KnowledgeBase] = OrderedDict()  # what the current child holds, by key
        self._closed = False

    def start(self) -> None:
        """Start the child now, so the first check does not wait for an interpreter to start."""
        self._executor().submit(_child_ready)

    async def extract(self, kb: KnowledgeBase, given: SignalInput) -> Signals:
        for attempt in (1, 2):
            pool = self._executor()
            key, data = self._what_to_send(kb)
            try:
                return await asyncio.wrap_future(pool.submit(_child_extract, key, data, given))
            except _NeedKnowledge:
                self._forget(kb.version)
                return await asyncio.wrap_future(self._executor().submit(_child_extract, key, kb, given))
            except BrokenProcessPool:
                self._replace(pool)
                if attempt == 2:
                    raise ReadingUnavailable("the caption-reading process stopped twice in a row") from None
                log.warning("the caption-reading process stopped; starting a new one")
        raise AssertionError("unreachable")  # pragma: no cover

    async def pid(self) -> int:
        """The child's process id (tests: the reading happens elsewhere; a killed child is replaced)."""
        return await asyncio.wrap_future(self._executor().submit(_child_pid))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise ReadingUnavailable("the caption-reading process was closed")
            if self._pool is None:
                try:
                    self._pool = ProcessPoolExecutor(max_workers=1, mp_context=self._context,
                                                     initializer=_child_init)
                except (OSError, ValueError) as exc:  # no semaphores, no process slots: read on a thread
                    raise ReadingUnavailable(f"cannot start a caption-reading process: {exc}") from exc
                self._sent.clear()
            return self._pool

    def _what_to_send(self, kb: KnowledgeBase) -> tuple[str, KnowledgeBase | None]:
        """The snapshot's data travels only the first time; the child reads calls in the order they were sent."""
        with self._lock:
            key = kb.version
            if self._sent.get(key) is kb:
                self._sent.move_to_end(key)
                return key, None
            self._sent[key] = kb
            while len(self._sent) > KEEP_SNAPSHOTS:
                self._sent.popitem(last=False)
            return key, kb

    def _forget(self, key: str) -> None:
        with self._lock:
            self._sent.pop(key, None)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)
