"""Signals built by hand for verdict tests: the verdict, summary and LLM tests share one builder."""

from __future__ import annotations

from bot.results import CommunityEvidence, ModelSignal, Shown, Signals, Takes, WorkflowSignal
from bot.verdict import VerdictRules

NO_TAKES = Takes()


def signals(kb, model: str | None, *shown: str, takes: Takes = NO_TAKES, workflow: str = "unknown",
            prompt: bool = False) -> Signals:
    m = kb.model_by_id[model] if model else None
    return Signals(
        model=ModelSignal(m.id, m.name, "caption") if m else None,
        workflow=WorkflowSignal(workflow, "caption" if workflow != "unknown" else None),
        prompt_disclosed=prompt,
        takes=takes,
        shown=tuple(Shown(c, kb.path(c), c) for c in shown),
    )


def decide(kb, *args, community=None, **kw):
    return VerdictRules(kb).decide(signals(kb, *args, **kw), community or CommunityEvidence())
