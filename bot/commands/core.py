"""Every command Yuntai offers, defined once with its handler: the registry every adapter renders.

Discord turns these into slash commands with typed options, choices and autocomplete, Slack into
`/yuntai <name>` subcommands, the console into typed lines. Help text comes from here so it never
drifts between platforms. Adding a command is one `Command` here plus one handler.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import CommandContext
from bot.digest import DigestResult
from bot.knowledge import WORKFLOWS
from bot.registry import Command, Option, OptionKind, Right
from bot.results import CheckResult, ErrorResult, HelpResult, ModelList, ModelReport, UsageResult
from bot.service import CheckRequest
from bot.signals import normalise_workflow

INTRO = (
    "I check whether an AI video demo is representative of what the model really does: paste a clip link "
    "(with its caption if you have it) and I'll compare what it shows with the model's documented strengths "
    "and weaknesses."
)


# -- arguments, one dataclass per command ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckArgs:
    link: str
    model: str | None = None
    workflow: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class ModelArgs:
    name: str | None = None


@dataclass(frozen=True)
class NoArgs:
    pass


# -- handlers --------------------------------------------------------------------------------------------


async def check(ctx: CommandContext, args: CheckArgs) -> CheckResult:
    request = CheckRequest(url=args.link, caption=args.caption, model=args.model, workflow=args.workflow,
                           fetch=ctx.services.fetch)
    return await ctx.services.checks.check(request, ctx.actor)


async def model(ctx: CommandContext, args: ModelArgs) -> ModelReport | ModelList | ErrorResult:
    return await ctx.services.reports.report(args.name, ctx.actor)


async def digest_preview(ctx: CommandContext, args: NoArgs) -> DigestResult | ErrorResult:
    if ctx.services.digests is None:
        return ErrorResult("The digest is not available here.")
    return await ctx.services.digests.preview_async(ctx.actor)


async def usage(ctx: CommandContext, args: NoArgs) -> UsageResult:
    if ctx.services.usage is None:
        return UsageResult(("LLM summaries: not configured, the template summarizer answers (no tokens used).",))
    report = ctx.services.usage
    return UsageResult(tuple(await ctx.services.checks.io.run(lambda: list(report(ctx.actor.community_id).lines()))))


async def help_(ctx: CommandContext, args: NoArgs) -> HelpResult:
    """Only what this member may run: admins also see the admin commands."""
    lines = []
    for path, cmd in ctx.registry.leaves():
        if cmd.right is Right.ADMIN and not ctx.actor.is_admin:
            continue
        lines.append((cmd.usage(ctx.actor.command_prefix, parents=path[:-1]), cmd.summary))
    return HelpResult(tuple(lines), INTRO)


# -- definitions -----------------------------------------------------------------------------------------

CHECK = Command(
    "check",
    "Reality-check an AI video clip: what it shows against what the model is documented to do.",
    (
        Option("link", OptionKind.LINK,
               "the clip's link (YouTube, X, TikTok, Instagram, Vimeo, Reddit, a vendor's site...)", required=True),
        Option("caption", OptionKind.TEXT, "the caption or description that came with the clip"),
        Option("model", OptionKind.MODEL, "the model that made it, if the link and caption don't say"),
        Option("workflow", OptionKind.CHOICE, "how it was made", choices=WORKFLOWS, normalise=normalise_workflow),
    ),
    handler=check,
    args=CheckArgs,
)
MODEL = Command(
    "model",
    "An honest progress report of one model: strengths, weak spots and sources. Without a name, lists models.",
    (Option("name", OptionKind.MODEL, "the model, e.g. Sora 2, Kling 1.6, Gen-3 Alpha", greedy=True),),
    handler=model,
    args=ModelArgs,
)
DIGEST = Command(
    "digest",
    "This community's weekly digest.",
    subcommands=(
        Command("preview", "Preview this week's digest: what was checked, how it came out, and what nobody has "
                "shown working yet.", handler=digest_preview, args=NoArgs),
    ),
    default_sub="preview",
)
USAGE = Command(
    "usage",
    "Admins: today's LLM token use against the daily budget, and why the template answered when it did.",
    right=Right.ADMIN,
    handler=usage,
    args=NoArgs,
)
HELP = Command("help", "What I can do and how to ask.", handler=help_, args=NoArgs)


