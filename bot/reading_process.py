"""Caption reading in a child process, for chat processes that serve a gateway (Discord, Slack).

Why a process and not a thread: reading a 100-word caption is about a millisecond of pure Python. On a
thread it holds the interpreter lock, so the event loop waits for its turn at every wake-up; with eight
checks at once the loop's longest stall was 4-5.5 ms on two cores even with a 0.5 ms lock slice
(bench/check_speed.py). A child process has an interpreter lock of its own: the loop only waits for the
small pickles going back and forth.

Why a socket the event loop watches, not a process pool: a pool moves every call through two threads of
the parent (a queue feeder and a result manager), each of which wakes, takes the interpreter lock and
competes with the loop for it and for a core. Here the loop writes a request's bytes itself (non-blocking)
and reads the reply when the socket is readable: no parent thread is involved (in a probe without storage
writes, the loop's longest stall with 8 checks at once fell from 2.9-4.4 ms to 1.6-2.9 ms).

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
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import socket
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.knowledge import KnowledgeBase
from bot.ports import ReadingUnavailable
from bot.results import Signals
from bot.signals import SignalExtractor, SignalInput

log = logging.getLogger(__name__)

KEEP_SNAPSHOTS = 8  # as many compiled snapshots as CheckService keeps pipelines
CHILD_NICENESS = 10  # below the parent (0): its event loop is the one with deadlines
_FRAME = struct.Struct("!I")  # each message: its length, then a pickle
_MAX_FRAME = 256 * 1024 * 1024  # a reply longer than this is a corrupted stream, not a reading


class _NeedKnowledge(Exception):
    """The child has no snapshot under this key (it was restarted, or forgot it): send the data again."""


class _ChildGone(Exception):
    """The child died, or its socket broke, before answering."""


# --- in the child ----------------------------------------------------------------------------------------
_extractors: OrderedDict[str, SignalExtractor] = OrderedDict()


def _child_init() -> None:
    """Every child: end with the parent, leave Ctrl-C to it, yield the CPU to it, load the word-form table.

    The socket's end-of-file ends an idle child; the sentinel thread also ends one busy with a long reading
    when the parent is killed (SIGTERM from a service manager, SIGKILL), so it never lives on holding the
    terminal's or the supervisor's output open. Ctrl-C reaches the whole foreground process group; the parent
    decides what it means.
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


def _serve(sock: socket.socket) -> None:
    """The child's whole life: read a request, run it, write the reply; end when the parent's end closes."""
    _child_init()
    sock.setblocking(True)
    while True:
        try:
            header = _recv_exactly(sock, _FRAME.size)
            request_id, fn, args = pickle.loads(_recv_exactly(sock, _FRAME.unpack(header)[0]))
        except (EOFError, OSError):
            os._exit(0)  # the parent closed its end or died: nobody is left to answer
        try:
            reply: tuple[int, bool, Any] = (request_id, True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller, as a pool would
            reply = (request_id, False, exc)
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
            data = pickle.dumps((request_id, False, RuntimeError(f"unpicklable reply: {exc!r}")))
        try:
            sock.sendall(_FRAME.pack(len(data)) + data)
        except OSError:
            os._exit(0)


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


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
class _Child:
    """One running child and the parent's end of its socket, driven by the event loop that uses it.

    Requests go out in the order they were made (an outgoing buffer, flushed when the socket is writable), so a
    snapshot sent with one request is in the child before any later request that names it. Replies are matched
    to requests by id. One event loop at a time: a later loop (a test's next `asyncio.run`) takes the socket over.
    """

    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        ours, theirs = socket.socketpair()
        self.process = context.Process(target=_serve, args=(theirs,), name="yuntai-read", daemon=True)
        try:
            self.process.start()
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self.sock = ours
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.ids = itertools.count()
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.gone = False

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        self._attach(loop)
        future: asyncio.Future[Any] = loop.create_future()
        if self.gone:
            future.set_exception(_ChildGone())
            return future
        request_id = next(self.ids)
        data = pickle.dumps((request_id, fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        self.pending[request_id] = future
        self.outbox += _FRAME.pack(len(data))
        self.outbox += data
        self._flush()
        return future

    def close(self) -> None:
        """Call from the thread of the loop that used it, or once that loop has stopped (App.close())."""
        self._detach()
        self.gone = True
        self.sock.close()  # the child reads end-of-file and exits
        if self.process.is_alive():
            self.process.terminate()  # if it is in the middle of a reading, it need not finish it
        self._fail_pending()

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.loop is loop or self.gone:
            return
        self._detach()
        self.loop = loop
        loop.add_reader(self.sock.fileno(), self._readable)
        if self.outbox:
            loop.add_writer(self.sock.fileno(), self._flush)

    def _detach(self) -> None:
        loop, self.loop = self.loop, None
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self.sock.fileno())
            loop.remove_writer(self.sock.fileno())
        # futures of a finished loop have nobody awaiting them; their replies are dropped when they come
        self.pending = {k: f for k, f in self.pending.items() if not f.get_loop().is_closed()}

    def _flush(self) -> None:
        try:
            sent = self.sock.send(self.outbox)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._broken()
            return
        del self.outbox[:sent]
        if self.loop is not None:
            if self.outbox:
                self.loop.add_writer(self.sock.fileno(), self._flush)
            else:
                self.loop.remove_writer(self.sock.fileno())

    def _readable(self) -> None:
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._broken()
            return
        self.inbox += data
        while len(self.inbox) >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self.inbox)
            if size > _MAX_FRAME:
                self._broken()
                return
            if len(self.inbox) < _FRAME.size + size:
                break
            try:
                request_id, ok, value = pickle.loads(self.inbox[_FRAME.size:_FRAME.size + size])
            except Exception:  # noqa: BLE001 - a stream out of step: every waiting call fails, the child is replaced
                log.exception("unreadable reply from the caption-reading process")
                self._broken()
                return
            del self.inbox[:_FRAME.size + size]
            future = self.pending.pop(request_id, None)
            if future is None or future.done():
                continue  # its caller was cancelled, or belonged to a loop that has ended
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _broken(self) -> None:
        self._detach()
        self.gone = True
        self._fail_pending()

    def _fail_pending(self) -> None:
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(_ChildGone())


class ReadingProcess:
    """One child process that reads captions for this process's check service."""

    def __init__(self, start_method: str = "spawn") -> None:
        # spawn, not fork: a chat process has threads (storage, gateway) whose locks a forked child would inherit.
        self._context = multiprocessing.get_context(start_method)
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._sent: OrderedDict[str, KnowledgeBase] = OrderedDict()  # what the current child holds, by key
        self._closed = False

    def start(self) -> None:
        """Start the child now, so the first check does not wait for an interpreter to start."""
        self._current()

    async def extract(self, kb: KnowledgeBase, given: SignalInput) -> Signals:
        for attempt in (1, 2):
            child = self._current()
            key, data = self._what_to_send(kb)
            try:
                try:
                    return await child.call(_child_extract, (key, data, given))
                except _NeedKnowledge:
                    self._forget(kb.version)
                    key, data = self._what_to_send(kb)  # the data again, remembered as sent
                    return await child.call(_child_extract, (key, data, given))
            except _ChildGone:
                self._replace(child)
                if attempt == 2:
                    raise ReadingUnavailable("the caption-reading process stopped twice in a row") from None
                log.warning("the caption-reading process stopped; starting a new one")
        raise AssertionError("unreachable")  # pragma: no cover

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(*args)` in the child (`fn` picklable by name): tests look inside it this way."""
        return await self._current().call(fn, args)

    async def pid(self) -> int:
        """The child's process id, as the child itself reports it (tests: the reading happens elsewhere)."""
        return int(await self.call(_child_pid))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
        if child is not None:
            child.close()

    def _current(self) -> _Child:
        with self._lock:
            if self._closed:
                raise ReadingUnavailable("the caption-reading process was closed")
            if self._child is None:
                try:
                    self._child = _Child(self._context)
                except (OSError, ValueError) as exc:  # no process slots, no file descriptors: read on a thread
                    raise ReadingUnavailable(f"cannot start a caption-reading process: {exc}") from exc
                self._sent.clear()
            return self._child

    def _what_to_send(self, kb: KnowledgeBase) -> tuple[str, KnowledgeBase | None]:
        """The snapshot's data travels only the first time; the child reads requests in the order they were sent."""
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

    def _replace(self, broken: _Child) -> None:
        with self._lock:
            if self._child is broken:
                self._child = None
        broken.close()
