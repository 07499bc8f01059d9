"""Plain result objects the core hands back to adapters, and the stable JSON shape of a check.

Adapters render these; they never reach into storage or recompute anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.levels import LEVELS, Level  # noqa: F401 - LEVELS is re-exported for older imports

VOTE_VALUES = ("representative", "cherry_picked", "misleading_workflow", "cant_tell")
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ClipInfo:
    url: str
    canonical_url: str
    platform: str
    title: str | None = None
    description: str | None = None
    author: str | None = None
    fetched: bool = False
    fetch_error: str | None = None
    is_video: bool | None = None


@dataclass(frozen=True)
class ModelSignal:
    id: str
    name: str
    source: str  # "user" | "url" | "caption" | "metadata"
    evidence: str = ""


@dataclass(frozen=True)
class WorkflowSignal:
    value: str  # "text-to-video" | "image-to-video" | "video-to-video" | "unknown"
    source: str | None = None  # "user" | "caption" | "metadata" | None
    evidence: str = ""


@dataclass(frozen=True)
class Takes:
    disclosed: bool = False
    count: int | None = None
    evidence: str = ""
    curated: bool | None = None  # True "best of", "cherry-picked"; False "no cherry-picking", "first try"

    def phrase(self) -> str:
        """What the creator said about selection, as a noun phrase every renderer shares."""
        if self.count and self.count > 1:
            return f"the best of {self.count} takes"
        if self.count == 1:
            return "a first take"
        if self.curated is False:
            return "not cherry-picked (the number of takes is not given)"
        if self.curated:
            return "picked from several takes (how many is not given)"
        return "not said"


@dataclass(frozen=True)
class Shown:
    id: str
    path: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class Provenance:
    """Where the clip was posted: a vendor's own site or official account is curated by construction."""

    vendor_channel: bool = False
    evidence: str | None = None  # e.g. "posted by x.com/runwayml, an official account of Runway"


@dataclass(frozen=True)
class Signals:
    model: ModelSignal | None
    workflow: WorkflowSignal
    prompt_disclosed: bool
    takes: Takes
    shown: tuple[Shown, ...]
    other_models: tuple[str, ...] = ()  # further models named in the text (comparison clips)
    provenance: Provenance = Provenance()
    post_production: str = ""  # the words that say the clip was worked on after generation ("rotoscoped in post")


@dataclass(frozen=True)
class ClaimView:
    capability: str
    rating: str
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    via: str | None = None  # the ancestor capability the rating was inherited from, if any


@dataclass(frozen=True)
class AttemptRate:
    """Pooled attempt reports for one capability shown; the fields after `usable` are additive (bot.hitrate)."""

    capability: str
    tries: int
    usable: int
    rate: float = 0.0
    low: float = 0.0  # Wilson interval (z = 1.28)
    high: float = 1.0
    members: int = 0
    reports: int = 0
    band: str = ""  # bot.hitrate.BANDS
    confirms: bool | None = None  # bot.hitrate's rule; None where only the raw counts are known
    scope: str = "community"  # "community" or "shared" (pooled across the communities that opted in)


@dataclass(frozen=True)
class CommunityEvidence:
    votes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VOTE_VALUES, 0))
    attempts: tuple[AttemptRate, ...] = ()


@dataclass(frozen=True)
class Verdict:
    level: Level
    reasons: tuple[str, ...]
    claims: tuple[ClaimView, ...]
    hidden_weaknesses: tuple[str, ...]
    generalization_traps: tuple[str, ...]
    does_not_tell: tuple[str, ...]


@dataclass(frozen=True)
class CheckResult:
    clip: ClipInfo
    signals: Signals
    verdict: Verdict
    community: CommunityEvidence
    summary: str
    summary_source: str  # "template" | "llm"
    kb_version: str = ""
    names: dict[str, str] = field(default_factory=dict)  # capability/model id -> display name
    clip_id: str = ""  # the short id vote buttons carry (bot.clip_ids)

    @property
    def level(self) -> Level:
        return Level(self.verdict.level)

    def to_json(self) -> dict[str, Any]:
        s = self.signals
        return {
            "schema": SCHEMA_VERSION,
            "clip": {
                "id": self.clip_id or None,
                "url": self.clip.url,
                "canonical_url": self.clip.canonical_url,
                "platform": self.clip.platform,
                "title": self.clip.title,
                "fetched": self.clip.fetched,
                "fetch_error": self.clip.fetch_error,
                "is_video": self.clip.is_video,
            },
            "model": (
                {"id": s.model.id, "name": s.model.name, "source": s.model.source} if s.model else None
            ),
            "workflow": {"value": s.workflow.value, "source": s.workflow.source},
            "prompt_disclosed": s.prompt_disclosed,
            "takes": {"disclosed": s.takes.disclosed, "count": s.takes.count},
            "shown": [{"id": x.id, "path": list(x.path), "evidence": x.evidence} for x in s.shown],
            "claims": [
                {"capability": c.capability, "rating": c.rating, "sources": list(c.sources)}
                for c in self.verdict.claims
            ],
            "hidden_weaknesses": list(self.verdict.hidden_weaknesses),
            "generalization_traps": list(self.verdict.generalization_traps),
            "provenance": {"vendor_channel": s.provenance.vendor_channel, "evidence": s.provenance.evidence},
            "community": {
                "votes": dict(self.community.votes),
                "attempts": [
                    {"capability": a.capability, "tries": a.tries, "usable": a.usable, "rate": round(a.rate, 3),
                     "low": round(a.low, 3), "high": round(a.high, 3), "members": a.members, "reports": a.reports,
                     "band": a.band, "scope": a.scope}
                    for a in self.community.attempts
                ],
            },
            "level": str(self.verdict.level),
            "reasons": list(self.verdict.reasons),
            "does_not_tell": list(self.verdict.does_not_tell),
            "summary": self.summary,
            "summary_source": self.summary_source,
        }


@dataclass(frozen=True)
class LinkCheck:
    """One link of a pasted message and what became of it: its check, or the polite line saying why not."""

    link: str  # as pasted (wrappers removed)
    result: CheckResult | ErrorResult


@dataclass(frozen=True)
class ChecksReply:
    """Several links in one message: one compact answer covering each, in the order they were pasted.

    Why one reply and not one per link: a member who pastes three clips asked one question, and a
    channel that gets three full answers to one message is a channel people mute. A link that failed
    (a bad host, an internal address) is one item saying so; it does not end the answer.
    """

    items: tuple[LinkCheck, ...]
    left_out: int = 0  # distinct links beyond the cap, not checked

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return tuple(i.result for i in self.items if isinstance(i.result, CheckResult))


@dataclass(frozen=True)
class ClipStanding:
    """One of a model's most-checked clips in a community, with what the community concluded."""

    canonical_url: str
    clip_id: str
    checks: int
    voters: int
    consensus: str | None  # the label, or None
    basis: str  # why (the consensus basis, or the note saying why there is none)


@dataclass(frozen=True)
class ModelReport:
    """An honest progress report of one model: `/model name`."""

    model_id: str
    name: str
    vendor: str
    released: str
    workflows: tuple[str, ...]
    notes: str
    strengths: tuple[ClaimView, ...]
    mixed: tuple[ClaimView, ...]
    weaknesses: tuple[ClaimView, ...]
    undocumented: tuple[str, ...]  # capabilities nobody has rated for this model
    names: dict[str, str] = field(default_factory=dict)
    demos: tuple[str, ...] = ()  # how the model's famous demos were made, one line each with its source
    # What this community knows (empty where no community memory is wired, e.g. `yuntai model`):
    hit_rates: tuple[AttemptRate, ...] = ()  # pooled attempt reports per capability
    attempts_scope: str = ""  # "community" or "shared"
    most_checked: tuple[ClipStanding, ...] = ()
    unreported: tuple[str, ...] = ()  # capabilities (leaves) nobody has reported attempts on
    chart_path: str | None = None  # a PNG adapters attach


@dataclass(frozen=True)
class ModelList:
    models: tuple[tuple[str, str, str, int], ...]  # (id, name, vendor, number of claims)


@dataclass(frozen=True)
class HelpResult:
    lines: tuple[tuple[str, str], ...]  # (usage, description)
    intro: str = ""


@dataclass(frozen=True)
class UsageResult:
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ErrorResult:
    """A polite one-line answer for the user; the operator's detail goes to the log, not here."""

    message: str
