"""The weekly digest of one community, as a preview (posting it once a week comes with the scheduler).

What was checked, how the checks came out, which kinds of shot nobody has shown working yet, what
changed in the knowledge base, and, when an LLM writes summaries, its token use and why the template
answered when it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.knowledge import KnowledgeBase
from bot.levels import LEVELS
from bot.ports import Actor, BlockingIO, ThreadIO
from bot.verdict import combine


@dataclass(frozen=True)
class DigestFigures:
    checks: int
    by_level: dict[str, int]
    by_model: dict[str, int]  # model id -> checks
    shown: dict[str, int]  # capability id -> checks that showed it
    kb_changes: int


class DigestSource(Protocol):
    def digest_figures(self, community_id: str, since: datetime, until: datetime | None = None) -> DigestFigures: ...


def documented_weak_spots(kb: KnowledgeBase) -> set[str]:
    """Capabilities some model is weak at, by the verdict's own rule (curated claims outrank derived ones)."""
    return {cap for caps in kb.claims_by_model.values() for cap, claims in caps.items()
            if combine(claims) == "weakness"}


@dataclass(frozen=True)
class DigestResult:
    community_id: str
    since: datetime
    until: datetime
    figures: DigestFigures
    unshown_weaknesses: tuple[str, ...]  # documented weak spots no checked clip showed this week
    usage_lines: tuple[str, ...]
    names: dict[str, str]


class DigestService:
    def __init__(
        self,
        source: DigestSource,
        knowledge: Callable[[str], KnowledgeBase],
        usage: Callable[[str], Any] | None = None,
        clock: Callable[[], datetime] | None = None,
        io: BlockingIO | None = None,
    ) -> None:
        self.source = source
        self.knowledge = knowledge
        self.usage = usage
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.io: BlockingIO = io or ThreadIO()

    async def preview_async(self, actor: Actor, days: int = 7) -> DigestResult:
        return await self.io.run(self.preview, actor, days)

    def preview(self, actor: Actor, days: int = 7) -> DigestResult:
        """This week's figures. LLM usage lines are for admins only, as `/usage` is."""
        until = self.clock()
        since = until - timedelta(days=days)
        figures = self.source.digest_figures(actor.community_id, since, until)
        kb = self.knowledge(actor.community_id)
        weak = documented_weak_spots(kb)
        shown = set(figures.shown)
        unshown = tuple(c.id for c in kb.capabilities if c.id in weak and c.id not in shown)
        usage = tuple(self.usage(actor.community_id).lines()) if self.usage and actor.is_admin else ()
        names = {c.id: c.name for c in kb.capabilities} | {m.id: m.name for m in kb.models}
        by_level = {level: figures.by_level.get(level, 0) for level in LEVELS}
        figures = DigestFigures(figures.checks, by_level, figures.by_model, figures.shown, figures.kb_changes)
        return DigestResult(actor.community_id, since, until, figures, unshown, usage, names)
