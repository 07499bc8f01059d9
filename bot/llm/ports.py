"""What the LLM summarizer needs from storage, and an in-memory implementation for tests.

The SQL implementation is storage.llm_store.SqlLLMStore. Calls are synchronous and short (one
indexed row each), like the other repositories the check already uses.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SummaryKey:
    """One distinct summary: the same key always deserves the same text.

    `facts` is a digest of the verdict facts the model is told (the verdict, community figures) and
    the sanitised fetched title/description -- not the caption a member typed. It keeps a summary
    written for one verdict or one community's figures from being served for another; for the same
    clip, knowledge base and figures it is constant, so a burst of checks of one clip shares one
    request whatever each member wrote alongside the link.
    """

    clip_url: str
    kb_version: str
    prompt_version: str
    model: str
    facts: str = ""

    @property
    def id(self) -> str:
        parts = (self.clip_url, self.kb_version, self.prompt_version, self.model, self.facts)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class UsageFigures:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    fallbacks: dict[str, int] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LLMStore(Protocol):
    def cached_summary(self, key: SummaryKey) -> str | None: ...

    def save_summary(self, key: SummaryKey, text: str, model: str, tokens: int) -> None: ...

    def record_usage(
        self, community_id: str, day: str, prompt_tokens: int, completion_tokens: int, requests: int = 1
    ) -> None: ...

    def usage_today(self, community_id: str, day: str) -> UsageFigures: ...

    def count_fallback(self, community_id: str, day: str, reason: str) -> None: ...


class MemoryLLMStore:
    """LLMStore in a dict; thread-safe so tests can hammer it from several threads."""

    def __init__(self) -> None:
        self.summaries: dict[str, str] = {}
        self.usage: dict[tuple[str, str], UsageFigures] = {}
        self._lock = threading.Lock()

    def cached_summary(self, key: SummaryKey) -> str | None:
        return self.summaries.get(key.id)

    def save_summary(self, key: SummaryKey, text: str, model: str, tokens: int) -> None:
        self.summaries[key.id] = text

    def record_usage(
        self, community_id: str, day: str, prompt_tokens: int, completion_tokens: int, requests: int = 1
    ) -> None:
        with self._lock:
            u = self.usage.get((community_id, day), UsageFigures())
            self.usage[(community_id, day)] = UsageFigures(
                u.prompt_tokens + prompt_tokens, u.completion_tokens + completion_tokens,
                u.requests + requests, u.fallbacks,
            )

    def usage_today(self, community_id: str, day: str) -> UsageFigures:
        return self.usage.get((community_id, day), UsageFigures())

    def count_fallback(self, community_id: str, day: str, reason: str) -> None:
        with self._lock:
            u = self.usage.get((community_id, day), UsageFigures())
            fallbacks = dict(u.fallbacks)
            fallbacks[reason] = fallbacks.get(reason, 0) + 1
            self.usage[(community_id, day)] = UsageFigures(u.prompt_tokens, u.completion_tokens, u.requests,
                                                           fallbacks)
