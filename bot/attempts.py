"""Attempt reports (`/tried`) and the hit rates a check, `/model` and the verdict read.

A community's hit rates pool its own reports; a community that opted in (`share_attempts`) pools
the reports of every community that opted in, because a small server's three reports say little
and a shared pool is what makes "usually works" reachable. Communities that did not opt in neither
give nor receive.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
from dataclasses import dataclass
from typing import Protocol

from bot.errors import InputError
from bot.hitrate import Attempt, HitRate, hit_rates, validate_attempt
from bot.knowledge import Capability, KnowledgeBase
from bot.ports import Actor, BlockingIO
from bot.results import AttemptRate
from bot.spelling import SLASH, spell

log = logging.getLogger(__name__)

MAX_NOTE = 500


class UnknownCapability(InputError):
    """A capability nobody defined; the message names the closest ones."""


@dataclass(frozen=True)
class MemberTotal:
    """One member's pooled reports for one model x capability (what storage sums up)."""

    capability: str
    member: str
    tries: int
    usable: int
    reports: int


@dataclass(frozen=True)
class AttemptPool:
    scope: str  # "community" or "shared"
    communities: int  # how many communities' reports are pooled
    totals: tuple[MemberTotal, ...]


class AttemptStore(Protocol):
    def record_attempt(self, community_id: str, member: str, model_id: str, capability_id: str, tries: int,
                       usable: int, note: str) -> int: ...

    def attempt_pool(self, community_id: str, model_id: str, capabilities: list[str] | None) -> AttemptPool:
        """Per capability and member, the sums of the reports this community may see (all capabilities if None)."""
        ...


def pooled_rates(model_id: str, pool: AttemptPool) -> dict[str, HitRate]:
    """Capability -> hit rate, pooled over every report in `pool` (Wilson interval and band from bot.hitrate)."""
    per_member = [Attempt(t.member, model_id, t.capability, t.tries, t.usable) for t in pool.totals]
    reports: dict[str, int] = {}
    for t in pool.totals:
        reports[t.capability] = reports.get(t.capability, 0) + t.reports
    return {cap: dataclasses.replace(rate, reports=reports[cap]) for (_, cap), rate in hit_rates(per_member).items()}


def attempt_rates(model_id: str, pool: AttemptPool, order: list[str]) -> tuple[AttemptRate, ...]:
    """The check's `community.attempts`: one entry per capability shown that has reports, in `order`."""
    rates = pooled_rates(model_id, pool)
    return tuple(as_attempt_rate(rates[c], pool.scope) for c in order if c in rates)


def as_attempt_rate(r: HitRate, scope: str) -> AttemptRate:
    return AttemptRate(r.capability, r.tries, r.usable, rate=r.rate, low=r.low, high=r.high, members=r.members,
                       reports=r.reports, band=r.band, confirms=r.confirms, scope=scope)


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def resolve_capability(kb: KnowledgeBase, text: str, prefix: str = SLASH) -> Capability:
    """A capability by id or name, forgiving case, spaces and dashes ("Camera motion" -> camera_motion)."""
    key = _key(text)
    for c in kb.capabilities:
        if key in (c.id, _key(c.name)):
            return c
    known = [c.id for c in kb.capabilities]
    close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else f" {spell('model', prefix)} NAME lists the kinds of " \
        "shot I know."
    raise UnknownCapability(f"I don't know the capability '{text.strip()[:40]}'.{hint}")


@dataclass(frozen=True)
class AttemptResult:
    """The reply to `/tried`: what was stored and the hit rate it now adds up to."""

    model_id: str
    model_name: str
    capability: str
    capability_name: str
    tries: int
    usable: int
    rate: HitRate
    scope: str


class AttemptService:
    def __init__(self, store: AttemptStore, io: BlockingIO) -> None:
        self.store = store
        self.io = io

    async def report(self, actor: Actor, kb_pipeline, model: str, capability: str, tries: object,  # type: ignore[no-untyped-def]
                     usable: object, note: str | None) -> AttemptResult:
        t, u = validate_attempt(tries, usable)
        m = kb_pipeline.signals.models.resolve(model)
        cap = resolve_capability(kb_pipeline.kb, capability, actor.command_prefix)
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise InputError(f"That note is {len(note):,} characters long; keep it under {MAX_NOTE}.")
        await self.io.run(self.store.record_attempt, actor.community_id, actor.user_id, m.id, cap.id, t, u, note)
        log.info("attempt in %s by %s: %s x %s %d/%d", actor.community_id, actor.user_id, m.id, cap.id, u, t)
        pool = await self.io.run(self.store.attempt_pool, actor.community_id, m.id, [cap.id])
        rate = pooled_rates(m.id, pool)[cap.id]
        return AttemptResult(m.id, m.name, cap.id, cap.name, t, u, rate, pool.scope)

    async def rates(self, community_id: str, model_id: str) -> tuple[dict[str, HitRate], str]:
        pool = await self.io.run(self.store.attempt_pool, community_id, model_id, None)
        return pooled_rates(model_id, pool), pool.scope
