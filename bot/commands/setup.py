"""`/setup`: admins choose the watched channels, the digest slot, the community's admins and sharing."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import CommandContext
from bot.registry import Command, Option, OptionKind, Right
from bot.setup import Setup, SetupError, SetupResult, describe


@dataclass(frozen=True)
class ChannelArgs:
    channel: str


@dataclass(frozen=True)
class DigestArgs:
    channel: str
    weekday: str
    hour: int
    timezone: str | None = None


@dataclass(frozen=True)
class AdminsArgs:
    action: str
    user: str


@dataclass(frozen=True)
class ShareArgs:
    state: str


@dataclass(frozen=True)
class NoArgs:
    pass


def _setup(ctx: CommandContext) -> Setup:
    if ctx.services.setup is None:
        raise SetupError("Settings need storage, and there is none here.")
    return ctx.services.setup


async def watch(ctx: CommandContext, args: ChannelArgs) -> SetupResult:
    return await ctx.services.checks.io.run(_setup(ctx).watch, ctx.actor, args.channel, True)


async def unwatch(ctx: CommandContext, args: ChannelArgs) -> SetupResult:
    return await ctx.services.checks.io.run(_setup(ctx).watch, ctx.actor, args.channel, False)


async def digest(ctx: CommandContext, args: DigestArgs) -> SetupResult:
    return await ctx.services.checks.io.run(_setup(ctx).digest, ctx.actor, args.channel, args.weekday,
                                            str(args.hour), args.timezone)


async def admins(ctx: CommandContext, args: AdminsArgs) -> SetupResult:
    return await ctx.services.checks.io.run(_setup(ctx).admins, ctx.actor, args.action, args.user)


async def share(ctx: CommandContext, args: ShareArgs) -> SetupResult:
    return await ctx.services.checks.io.run(_setup(ctx).share_attempts, ctx.actor, args.state == "on")


async def show(ctx: CommandContext, args: NoArgs) -> SetupResult:
    return SetupResult(ctx.settings, "\n".join(describe(ctx.settings, ctx.actor.command_prefix)), changed=False)


_CHANNEL = Option("channel", OptionKind.CHANNEL, "the channel (#general)", required=True)

SETUP = Command(
    "setup",
    "Admins: where I read pasted links, where and when the weekly digest goes, who else is an admin.",
    subcommands=(
        Command("watch", "Check clip links pasted in this channel.", (_CHANNEL,), right=Right.ADMIN,
                handler=watch, args=ChannelArgs),
        Command("unwatch", "Stop checking links pasted in this channel.", (_CHANNEL,), right=Right.ADMIN,
                handler=unwatch, args=ChannelArgs),
        Command("digest", "Post the weekly digest in a channel on a weekday and hour (time zone: an IANA name such "
                "as Europe/Paris, UTC by default).",
                (Option("channel", OptionKind.CHANNEL, "where the digest goes", required=True),
                 Option("weekday", OptionKind.STR, "monday ... sunday (or mon ... sun)", required=True),
                 Option("hour", OptionKind.INT, "0 to 23, on the wall clock of the time zone", required=True,
                        min_value=0, max_value=23),
                 Option("timezone", OptionKind.TEXT, "an IANA time zone such as America/New_York (default UTC)")),
                right=Right.ADMIN, handler=digest, args=DigestArgs),
        Command("admins", "Name or un-name an admin of this community.",
                (Option("action", OptionKind.CHOICE, "add or remove", required=True, choices=("add", "remove")),
                 Option("user", OptionKind.USER, "the person (@alice)", required=True)),
                right=Right.ADMIN, handler=admins, args=AdminsArgs),
        Command("share-attempts", "Count this community's attempt reports in hit rates across communities (on) "
                "or keep them here (off).",
                (Option("state", OptionKind.CHOICE, "on or off", required=True, choices=("on", "off")),),
                right=Right.ADMIN, handler=share, args=ShareArgs),
        Command("show", "This community's settings.", right=Right.ADMIN, handler=show, args=NoArgs),
    ),
    default_sub="show",
)
