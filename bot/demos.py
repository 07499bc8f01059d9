"""How a model's famous demos were made, as reasons a reader can check.

A verdict says a vendor's clip is presumed to be a good take; the makers' own accounts of their
most famous demos ("about 700 clips generated, 55 used") are the plainest evidence of that, so a
check that names a model cites one, and `/model` lists them all.
"""

from __future__ import annotations

from bot.knowledge import Demo, KnowledgeBase

MAX_FACT_CHARS = 240


def demos_for(kb: KnowledgeBase, model_id: str) -> tuple[Demo, ...]:
    """The model's demo accounts in seed order (the curator puts the most telling first)."""
    return kb.demos_by_model.get(model_id, ())


def demo_line(demo: Demo) -> str:
    """One demo account with its source, e.g. for `/model`."""
    fact = demo.fact if len(demo.fact) <= MAX_FACT_CHARS else demo.fact[: MAX_FACT_CHARS - 1].rstrip() + "…"
    fact = fact.rstrip(".")
    when = f", {demo.date}" if demo.date else ""
    return f"{demo.title}: {fact} (source: {demo.url}{when})."


def demo_reasons(kb: KnowledgeBase, model_id: str) -> list[str]:
    """At most one reason line on how this model's famous demos were made; empty when none is known."""
    demos = demos_for(kb, model_id)
    if not demos:
        return []
    model = kb.model_by_id.get(model_id)
    name = model.name if model else model_id
    # A check's reasons are stored and shown on every platform: name the report, not one platform's command.
    more = f" ({len(demos) - 1} more in the {name} model report)" if len(demos) > 1 else ""
    return [f"How a famous {name} demo was made: {demo_line(demos[0])}{more}"]
