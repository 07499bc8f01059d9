"""`/model`: an honest progress report of one model, or the list of models, from the current snapshot."""

from __future__ import annotations

from bot.demos import demo_line, demos_for
from bot.ports import Actor
from bot.results import ClaimView, ErrorResult, ModelList, ModelReport
from bot.service import CheckService
from bot.signals import UnknownModel
from bot.verdict import combine


class ModelReports:
    def __init__(self, checks: CheckService) -> None:
        self.checks = checks

    async def report(self, name: str | None, actor: Actor) -> ModelReport | ModelList | ErrorResult:
        p = await self.checks.current_pipeline(actor.community_id)
        return self.build(p, name)

    def report_sync(self, name: str | None, actor: Actor) -> ModelReport | ModelList | ErrorResult:
        """For the command line, which has no event loop of its own."""
        return self.build(self.checks.pipeline(actor.community_id), name)

    def build(self, p, name: str | None) -> ModelReport | ModelList | ErrorResult:  # type: ignore[no-untyped-def]
        kb = p.kb
        if not name:
            counts = {m: sum(len(v) for v in caps.values()) for m, caps in kb.claims_by_model.items()}
            return ModelList(tuple((m.id, m.name, m.vendor, counts.get(m.id, 0)) for m in kb.models))
        try:
            model = p.signals.models.resolve(name)
        except UnknownModel as exc:
            return ErrorResult(str(exc))
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
