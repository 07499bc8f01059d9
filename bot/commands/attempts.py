"""`/tried`: "I prompted Kling for walk-and-talk 15 times, 2 were usable" -> the community's hit rates."""

from __future__ import annotations

from dataclasses import dataclass

from bot.attempts import AttemptResult
from bot.context import CommandContext
from bot.registry import Command, Option, OptionKind
from bot.results import ErrorResult


@dataclass(frozen=True)
class TriedArgs:
    model: str
    capability: str
    tries: int
    usable: int
    note: str | None = None


async def tried(ctx: CommandContext, args: TriedArgs) -> AttemptResult | ErrorResult:
    if ctx.services.attempts is None:
        return ErrorResult("Attempt reports are not available here (this process has no storage).")
    pipeline = await ctx.services.checks.current_pipeline(ctx.actor.community_id)
    return await ctx.services.attempts.report(ctx.actor, pipeline, args.model, args.capability, args.tries,
                                              args.usable, args.note)


TRIED = Command(
    "tried",
    "Report your own attempts: how many tries of one kind of shot with one model, and how many were usable.",
    (Option("model", OptionKind.MODEL, "the model you prompted (quote names with spaces: 'Kling 1.6')",
            required=True),
     Option("capability", OptionKind.CAPABILITY, "the kind of shot, e.g. walking, talking, basketball",
            required=True),
     Option("tries", OptionKind.INT, "how many generations you made", required=True),
     Option("usable", OptionKind.INT, "how many of them you would use", required=True),
     Option("note", OptionKind.TEXT, "anything worth knowing (settings, prompt style)")),
    handler=tried,
    args=TriedArgs,
)
