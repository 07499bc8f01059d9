"""What the core needs from the outside world, as protocols; storage and adapters implement them.

Keeping these here lets the core be tested with in-memory fakes and keeps SQL out of `bot/`.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.knowledge import KnowledgeBase
from bot.results import CheckResult, CommunityEvidence, Signals
from bot.spelling import SLASH, spell

if TYPE_CHECKING:  # a type name only: every module needing a port would otherwise load the caption reader
    from bot.signals import SignalInput

T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who is asking, in which community. Passed into every core call; never a global."""

    community_id: str
    user_id: str
    display_name: str = ""
    is_admin: bool = False
    command_prefix: str = SLASH  # how commands are typed where they asked (`bot.spelling`)

    def spell(self, words: str) -> str:
        """A command named in a reply, as this member types it on their platform."""
        return spell(words, self.command_prefix)


@dataclass(frozen=True)
class CachedMetadata:
    fetched: bool
    title: str | None
    description: str | None
    author: str | None
    error: str | None
    video: bool | None = None  # the page declares a video (None: it can't be told)


class KnowledgeSource(Protocol):
    def knowledge_base(self, community_id: str) -> KnowledgeBase:
        """The current snapshot; may read storage, so async code calls it through `BlockingIO`."""
        ...


class BlockingIO(Protocol):
    """The async boundary: blocking storage work runs off the event loop.

    A Discord heartbeat or Slack's 3-second acknowledgement must never wait on a SQLite lock or a
    disk write, so every storage call from async code goes through `run`.
    """

    async def run(self, fn: Callable[..., T], *args: Any) -> T: ...


class ThreadIO:
    """The default boundary: the event loop's default thread pool."""

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)


class InlineIO:
    """Blocking calls made right here: for a batch run that fetches nothing.

    Such a run has no other task on its loop to keep responsive and nothing to overlap with the database,
    so a hop to the storage thread per check is pure cost (on a busy machine, waking that thread costs more
    than the query). Chat processes and fetching batches keep the storage threads.
    """

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)


class ReadingThread:
    """Where a chat process reads captions and decides verdicts: a thread of its own, off the event loop.

    Reading a long caption is a millisecond or two of pure CPU; on the loop, eight checks at once held it
    for 13-30 ms, long enough to delay a Discord heartbeat or a 3-second acknowledgement. On this thread
    the loop only waits for the interpreter lock between short slices (`keep_loop_responsive`). A batch run,
    which has nothing else to serve, reads inline instead and saves the hop.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuntai-read")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class ReadingUnavailable(RuntimeError):
    """A caption reader elsewhere (a child process) cannot be had: read on a thread instead."""


class CaptionReader(Protocol):
    """Reads captions in another interpreter (`bot.reading_process.ReadingProcess`); may raise ReadingUnavailable."""

    async def extract(self, kb: KnowledgeBase, given: SignalInput) -> Signals: ...


def settle_heap() -> None:
    """Move everything alive now out of the garbage collector's sight (`gc.freeze`).

    A knowledge base and its compiled matchers are a few hundred thousand long-lived objects; each full
    collection walked them all and held the interpreter for ~100 ms, a stall a heartbeat or an acknowledgement
    would feel. Called after a new knowledge base's matchers are compiled: the snapshot is immutable, and
    one dropped later is freed by reference counting (it holds no cycles).
    """
    gc.collect()
    gc.freeze()


def keep_loop_responsive(interval: float = 0.0005) -> None:
    """Let a thread holding the interpreter lock hand it back after `interval` s (Python's default is 5 ms).

    With caption reading and database work on threads, the loop's longest wait is about this slice,
    not five milliseconds per busy thread (bench/check_speed.py measures the loop's longest stall).
    """
    if sys.getswitchinterval() > interval:
        sys.setswitchinterval(interval)


class MetadataCache(Protocol):
    def cached_metadata(self, canonical_url: str, max_age: timedelta) -> CachedMetadata | None: ...

    def save_metadata(self, canonical_url: str, metadata: CachedMetadata, source: str | None) -> None: ...


@dataclass(frozen=True)
class CheckRecordIn:
    """One check as it will be stored: who asked where, what they typed, and the result."""

    community_id: str
    actor_id: str
    platform: str
    video_id: str | None
    caption: str | None
    result: CheckResult


class CheckLog(Protocol):
    def record_checks(self, records: Sequence[CheckRecordIn]) -> None:
        """Store every record in one transaction: all or none."""
        ...


class EvidenceSource(Protocol):
    def evidence(
        self, community_id: str, canonical_url: str, model_id: str | None, capabilities: list[str]
    ) -> CommunityEvidence: ...


class NoEvidence:
    """Until votes and attempts exist, community evidence is empty, not invented."""

    def evidence(
        self, community_id: str, canonical_url: str, model_id: str | None, capabilities: list[str]
    ) -> CommunityEvidence:
        return CommunityEvidence()


class SettingsSource(Protocol):
    """A community's own settings (admins, watched channels, the digest slot)."""

    def settings(self, community_id: str) -> Any: ...  # -> bot.policy.CommunitySettings

    def save_settings(self, settings: Any, actor: str) -> None: ...


class DigestPoster(Protocol):
    """Where a community's weekly digest goes: the adapter renders it (text, embed, blocks) and sends it.

    Raising means "not sent": the claim stays unsent and is retried after the claim timeout.
    """

    async def post(self, channel: str | None, digest: Any) -> None: ...  # digest: bot.digest.WeeklyDigest


class DigestLedger(Protocol):
    """The exactly-once record of posted digests, each method one unit of work (storage implements it)."""

    def digest_communities(self) -> list[str]:
        """Communities whose settings name a digest channel and slot."""
        ...

    def sent_weeks(self, community_id: str) -> frozenset[str]: ...

    def claim(self, community_id: str, week: str, slot_at: datetime, owner: str, now: datetime,
              stale_before: datetime) -> bool:
        """True when `owner` holds the post now: inserted the (community, week) row, or took over a stale one."""
        ...

    def mark_sent(self, community_id: str, week: str, owner: str, now: datetime, channel: str | None,
                  summary: dict[str, Any]) -> bool: ...

    def history(self, community_id: str | None = None) -> list[dict[str, Any]]: ...
