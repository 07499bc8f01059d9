"""`/model`: an honest progress report of one model, or the list of models, from the current snapshot.

Where community memory is wired (the bot, the console), the report adds what this community knows:
members' hit rates, the model's most-checked clips here with their consensus, the kinds of shot
nobody has reported attempts at, and a chart. The command line's `yuntai model` has no community
and shows the knowledge base only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Protocol

from bot.attempts import AttemptService, as_attempt_rate
from bot.charts import model_chart
from bot.demos import demo_line, demos_for
from bot.ports import Actor
from bot.results import ClaimView, ClipStanding, ErrorResult, ModelList, ModelReport
from bot.service import CheckService
from bot.signals import UnknownModel
from bot.spelling import SLASH, unknown_model
from bot.verdict import combine
from bot.votes import ClipRef, VoteService

log = logging.getLogger(__name__)
MOST_CHECKED = 5


class ClipRanking(Protocol):
    def most_checked(self, community_id: str, model_id: str, limit: int = MOST_CHECKED) -> list[tuple[ClipRef, int]]:
        ...


class ModelReports:
    def __init__(self, checks: CheckService, *, attempts: AttemptService | None = None,
                 votes: VoteService | None = None, clips: ClipRanking | None = None,
                 chart_dir: Path | None = None) -> None:
        self.checks = checks
        self.attempts = attempts
        self.votes = votes
        self.clips = clips
        self.chart_dir = chart_dir

    async def report(self, name: str | None, actor: Actor) -> ModelReport | ModelList | ErrorResult:
        p = await self.checks.current_pipeline(actor.community_id)
        result = self.build(p, name, actor.command_prefix)
        if isinstance(result, ModelReport):
            result = await self._with_community(p, result, actor)
        return result

    async def _with_community(self, p, report: ModelReport, actor: Actor) -> ModelReport:  # type: ignore[no-untyped-def]
        community_id = actor.community_id
        kb = p.kb
        changes: dict[str, object] = {}
        if self.attempts is not None:
            rates, scope = await self.attempts.rates(community_id, report.model_id)
            order = [c.id for c in kb.capabilities]
            changes["hit_rates"] = tuple(as_attempt_rate(rates[c], scope) for c in order if c in rates)
            changes["attempts_scope"] = scope
            leaves = [c.id for c in kb.capabilities if c.parent is not None and not kb.children.get(c.id)]
            changes["unreported"] = tuple(c for c in leaves if c not in rates)
        if self.clips is not None and self.votes is not None:
            top = await self.checks.io.run(self.clips.most_checked, community_id, report.model_id, MOST_CHECKED)
            standings = []
            found = await self.votes.cache.clips(community_id, [clip for clip, _ in top]) if top else []
            for (clip, checks), (c, _fresh) in zip(top, found, strict=True):
                label = c.consensus.label if c.consensus else None
                basis = c.consensus.basis if c.consensus else c.note
                standings.append(ClipStanding(clip.canonical_url, clip.short_id, checks, c.total, label, basis))
            changes["most_checked"] = tuple(standings)
        report = dataclasses.replace(report, **changes)  # type: ignore[arg-type]
        if self.chart_dir is not None:
            try:
                path = await asyncio.to_thread(model_chart, report, community_id, self.chart_dir,
                                               actor.command_prefix)
                report = dataclasses.replace(report, chart_path=str(path))
            except Exception:
                log.exception("drawing the chart of %s failed", report.model_id)
        return report

    def report_sync(self, name: str | None, actor: Actor) -> ModelReport | ModelList | ErrorResult:
        """For the command line, which has no event loop of its own."""
        return self.build(self.checks.pipeline(actor.community_id), name)

    def build(self, p, name: str | None,  # type: ignore[no-untyped-def]
              prefix: str = SLASH) -> ModelReport | ModelList | ErrorResult:
        kb = p.kb
        if not name:
            counts = {m: sum(len(v) for v in caps.values()) for m, caps in kb.claims_by_model.items()}
            return ModelList(tuple((m.id, m.name, m.vendor, counts.get(m.id, 0)) for m in kb.models))
        try:
            model = p.signals.models.resolve(name)
        except UnknownModel as exc:
            return ErrorResult(unknown_model(exc.name, exc.suggestions, prefix))
        groups: dict[str, list[ClaimView]] = {"strength": [], "mixed": [], "weakness": []}
        rated = kb.claims_by_model.get(model.id, {})
        order = {c.id: i for i, c in enumerate(kb.capabilities)}
        for cap in sorted(rated, key=lambda c: order.get(c, 10**6)):
            claims = rated[cap]
            rating = combine(claims)
            sources = tuple(dict.fromkeys(s.url for c in claims for s in c.sources))
            notes = tuple(dict.fromkeys(c.note for c in claims if c.note))
            groups[rating].append(ClaimView(cap, rating, sources, notes))
        leaves = [c.id for c in kb.capabilities if c.parent is not None and not kb.children.get(c.id)]
        undocumented = tuple(c for c in leaves if p.rules.rating_for(model.id, c) is None)
        return ModelReport(
            model_id=model.id, name=model.name, vendor=model.vendor, released=model.released,
            workflows=model.workflows, notes=model.notes,
            strengths=tuple(groups["strength"]), mixed=tuple(groups["mixed"]),
            weaknesses=tuple(groups["weakness"]), undocumented=undocumented, names=p.names,
            demos=tuple(demo_line(d) for d in demos_for(kb, model.id)),
        )
