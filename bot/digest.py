"""The weekly digest of one community: the preview an admin asks for, and the digest the scheduler posts.

What was checked, how the checks came out, which kinds of shot nobody has shown working yet, what
changed in the knowledge base, and, when an LLM writes summaries, its token use and why the template
answered when it did (preview only: token use is for admins). The posted digest adds what the
community itself said that week (the most contested clip, consensus reached, attempt reports and
hit-rate movers), read through `CommunityActivity`, and covers the seven days before its slot, so a
digest posted late says the same as one posted on time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
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
        result = self.figures(actor.community_id, until - timedelta(days=days), until)
        if self.usage and actor.is_admin:
            result = DigestResult(result.community_id, result.since, result.until, result.figures,
                                  result.unshown_weaknesses, tuple(self.usage(actor.community_id).lines()),
                                  result.names)
        return result

    def figures(self, community_id: str, since: datetime, until: datetime) -> DigestResult:
        """The checks of [since, until) in one community, and the documented weak spots none of them showed."""
        figures = self.source.digest_figures(community_id, since, until)
        kb = self.knowledge(community_id)
        weak = documented_weak_spots(kb)
        shown = set(figures.shown)
        unshown = tuple(c.id for c in kb.capabilities if c.id in weak and c.id not in shown)
        names = {c.id: c.name for c in kb.capabilities} | {m.id: m.name for m in kb.models}
        by_level = {level: figures.by_level.get(level, 0) for level in LEVELS}
        figures = DigestFigures(figures.checks, by_level, figures.by_model, figures.shown, figures.kb_changes)
        return DigestResult(community_id, since, until, figures, unshown, (), names)


# -- what the community said: votes and attempts (a port; the storage queries come with votes and attempts) --


@dataclass(frozen=True)
class ContestedClip:
    """A clip members disagreed on this week: the vote counts per label, however the consensus came out."""

    short_id: str
    canonical_url: str
    votes: dict[str, int]


@dataclass(frozen=True)
class ConsensusReached:
    """A clip whose community consensus was first reached this week, with the basis members can check."""

    short_id: str
    canonical_url: str
    label: str
    basis: str


@dataclass(frozen=True)
class AttemptMover:
    """A model x capability whose hit rate moved this week (`before` None: its first reports)."""

    model: str
    capability: str
    before: float | None
    after: float
    tries: int
    usable: int


@dataclass(frozen=True)
class AttemptSummary:
    reports: int = 0
    tries: int = 0
    usable: int = 0


class CommunityActivity(Protocol):
    """What the digest needs from votes and attempts in one community, for the window [since, until)."""

    def contested_clips(self, community_id: str, since: datetime, until: datetime,
                        limit: int = 3) -> list[ContestedClip]:
        """Most contested first (closest split between labels among the clips with most votes)."""
        ...

    def consensus_reached(self, community_id: str, since: datetime, until: datetime) -> list[ConsensusReached]: ...

    def attempt_summary(self, community_id: str, since: datetime, until: datetime) -> AttemptSummary: ...

    def attempt_movers(self, community_id: str, since: datetime, until: datetime,
                       limit: int = 5) -> list[AttemptMover]:
        """Biggest absolute movement of the hit rate first."""
        ...

    def working_capabilities(self, community_id: str, until: datetime) -> frozenset[str]:
        """Capabilities some attempt report has confirmed working (the "confirms" rule of `bot.hitrate`)."""
        ...


class NoActivity:
    """Until votes and attempts are stored, the digest reports none rather than inventing any."""

    def contested_clips(self, community_id: str, since: datetime, until: datetime,
                        limit: int = 3) -> list[ContestedClip]:
        return []

    def consensus_reached(self, community_id: str, since: datetime, until: datetime) -> list[ConsensusReached]:
        return []

    def attempt_summary(self, community_id: str, since: datetime, until: datetime) -> AttemptSummary:
        return AttemptSummary()

    def attempt_movers(self, community_id: str, since: datetime, until: datetime,
                       limit: int = 5) -> list[AttemptMover]:
        return []

    def working_capabilities(self, community_id: str, until: datetime) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class WeeklyDigest:
    """The digest as posted for one community and one ISO week; what every adapter renders."""

    week: str
    slot_at: datetime
    base: DigestResult  # figures of the seven days before the slot; no usage lines (they are for admins)
    contested: tuple[ContestedClip, ...] = ()
    consensus: tuple[ConsensusReached, ...] = ()
    attempts: AttemptSummary = AttemptSummary()
    movers: tuple[AttemptMover, ...] = ()
    not_shown_working: tuple[str, ...] = ()  # documented weak spots no clip showed and no attempt confirmed
    chart: Path | None = None

    @property
    def community_id(self) -> str:
        return self.base.community_id

    @property
    def most_contested(self) -> ContestedClip | None:
        return self.contested[0] if self.contested else None

    def summary(self) -> dict[str, Any]:
        """The few figures kept with the posted record, for `yuntai digest history`."""
        f = self.base.figures
        return {"checks": f.checks, "by_level": {k: v for k, v in f.by_level.items() if v},
                "kb_changes": f.kb_changes, "consensus_reached": len(self.consensus),
                "attempt_reports": self.attempts.reports}


def weekly_digest(service: DigestService, activity: CommunityActivity, community_id: str, week: str,
                  slot_at: datetime, days: int = 7) -> WeeklyDigest:
    """The digest of the `days` before `slot_at` (blocking: call it through `BlockingIO` from async code)."""
    since = slot_at - timedelta(days=days)
    base = service.figures(community_id, since, slot_at)
    working = activity.working_capabilities(community_id, slot_at)
    return WeeklyDigest(
        week=week, slot_at=slot_at, base=base,
        contested=tuple(activity.contested_clips(community_id, since, slot_at)),
        consensus=tuple(activity.consensus_reached(community_id, since, slot_at)),
        attempts=activity.attempt_summary(community_id, since, slot_at),
        movers=tuple(activity.attempt_movers(community_id, since, slot_at)),
        not_shown_working=tuple(c for c in base.unshown_weaknesses if c not in working),
    )
