"""What the core needs from the outside world, as protocols; storage and adapters implement them.

Keeping these here lets the core be tested with in-memory fakes and keeps SQL out of `bot/`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.knowledge import KnowledgeBase
from bot.results import CheckResult, CommunityEvidence
from bot.spelling import SLASH, spell

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
