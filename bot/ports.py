"""What the core needs from the outside world, as protocols; storage and adapters implement them.

Keeping these here lets the core be tested with in-memory fakes and keeps SQL out of `bot/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.knowledge import KnowledgeBase
from bot.results import CheckResult, CommunityEvidence


@dataclass(frozen=True)
class Actor:
    """Who is asking, in which community. Passed into every core call; never a global."""

    community_id: str
    user_id: str
    display_name: str = ""
    is_admin: bool = False


@dataclass(frozen=True)
class CachedMetadata:
    fetched: bool
    title: str | None
    description: str | None
    author: str | None
    error: str | None
    video: bool | None = None  # the page declares a video (None: it can't be told)


class KnowledgeSource(Protocol):
    def knowledge_base(self, community_id: str) -> KnowledgeBase: ...


class MetadataCache(Protocol):
    def cached_metadata(self, canonical_url: str, max_age: timedelta) -> CachedMetadata | None: ...

    def save_metadata(self, canonical_url: str, metadata: CachedMetadata, source: str | None) -> None: ...


class CheckLog(Protocol):
    def record_check(
        self, actor: Actor, platform: str, video_id: str | None, caption: str | None, result: CheckResult
    ) -> None: ...


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
