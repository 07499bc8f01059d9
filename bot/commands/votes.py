"""`/vote` and `/verdicts`: a member's judgement of a clip checked here, and what the community concluded.

The clip option is a plain word rather than a LINK option because buttons send the clip's short id
(`bot.clip_ids`), which is not a link; `bot.votes.clip_key` tells the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.consensus import LABELS, parse_label
from bot.context import CommandContext
from bot.registry import Command, Option, OptionKind
from bot.results import ErrorResult
from bot.votes import VerdictsResult, VoteResult

NOT_HERE = "Votes are not available here (this process has no storage)."


@dataclass(frozen=True)
class VoteArgs:
    link: str
    label: str


@dataclass(frozen=True)
class VerdictsArgs:
    link: str


async def vote(ctx: CommandContext, args: VoteArgs) -> VoteResult | ErrorResult:
    if ctx.services.votes is None:
        return ErrorResult(NOT_HERE)
    return await ctx.services.votes.vote(ctx.actor, args.link, args.label)


async def verdicts(ctx: CommandContext, args: VerdictsArgs) -> VerdictsResult | ErrorResult:
    if ctx.services.votes is None:
        return ErrorResult(NOT_HERE)
    return await ctx.services.votes.verdicts(ctx.actor, args.link)


CLIP_OPTION = Option("link", OptionKind.STR, "the clip's link, or the clip id shown under a check", required=True)

VOTE = Command(
    "vote",
    "Say whether a clip checked here is representative of what the model usually does. You can change your vote.",
    (CLIP_OPTION,
     Option("label", OptionKind.CHOICE, "representative, cherry_picked, misleading_workflow or cant_tell",
            required=True, choices=LABELS, normalise=parse_label, greedy=True)),
    handler=vote,
    args=VoteArgs,
)
VERDICTS = Command(
    "verdicts",
    "How this community voted on a clip: the tally of each label, the consensus and what it rests on.",
    (CLIP_OPTION,),
    handler=verdicts,
    args=VerdictsArgs,
)
