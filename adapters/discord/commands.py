"""Slash commands built from the core's command definitions, never written by hand.

Why: the registry in `bot.commands` is the one place a command is defined; Discord gets every leaf
as an `app_commands.Command` (groups as `app_commands.Group` with subcommands), with typed options,
choices where the core has them and autocomplete for model and capability names. Admin commands
carry the Manage Server default permission so members do not see them; the core checks the right
again on every call, so a stale permission or a forged interaction still cannot run them.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import discord
from discord import app_commands

from adapters.discord.embeds import shorten
from bot.registry import Command, Option, OptionKind, Registry, Right

DESCRIPTION_MAX = 100  # Discord's limit for command and option descriptions
CHOICES_MAX = 25

# (interaction, command path, option values as the core reads them) -> None
Runner = Callable[[discord.Interaction, tuple[str, ...], dict[str, object]], Awaitable[None]]
# (interaction, option kind, what the member typed so far) -> suggestions
Suggester = Callable[[discord.Interaction, OptionKind, str], Awaitable[list[app_commands.Choice[str]]]]

ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


def _permissions_as_string(payload: dict[str, Any]) -> dict[str, Any]:
    """Discord documents default_member_permissions as a string of digits; discord.py 2.7.1 sends the integer
    (https://discord.com/developers/docs/interactions/application-commands#application-command-object, read
    2026-11-27), so the payload is made to follow the documentation."""
    perms = payload.get("default_member_permissions")
    if isinstance(perms, int):
        payload["default_member_permissions"] = str(perms)
    return payload


class SlashCommand(app_commands.Command):  # type: ignore[type-arg]
    def to_dict(self, tree: app_commands.CommandTree[Any]) -> dict[str, Any]:
        return _permissions_as_string(super().to_dict(tree))


class SlashGroup(app_commands.Group):
    def to_dict(self, tree: app_commands.CommandTree[Any]) -> dict[str, Any]:
        return _permissions_as_string(super().to_dict(tree))


def _annotation(opt: Option) -> Any:
    if opt.kind is OptionKind.INT:
        if opt.min_value is not None or opt.max_value is not None:
            return app_commands.Range[int, opt.min_value, opt.max_value]
        return int
    if opt.kind is OptionKind.CHOICE and len(opt.choices) <= CHOICES_MAX:
        return Literal[opt.choices]  # type: ignore[valid-type]
    if opt.kind is OptionKind.CHANNEL:
        return discord.abc.GuildChannel
    if opt.kind is OptionKind.USER:
        return discord.User
    return str


def core_value(opt: Option, value: object) -> object:
    """What the core's parser reads: a channel or person as the mention Discord would show, the rest as given."""
    if value is None:
        return None
    if opt.kind is OptionKind.CHANNEL:
        return f"<#{getattr(value, 'id', value)}>"
    if opt.kind is OptionKind.USER:
        return f"<@{getattr(value, 'id', value)}>"
    return value


def ordered(options: tuple[Option, ...]) -> list[Option]:
    """Required options first (Discord refuses an optional option before a required one), else as defined."""
    return [o for o in options if o.required] + [o for o in options if not o.required]


def _callback(path: tuple[str, ...], command: Command, run: Runner) -> Callable[..., Awaitable[None]]:
    by_name = {o.name: o for o in command.options}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await run(interaction, path, {name: core_value(by_name[name], v) for name, v in values.items()
                                      if v is not None})

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=discord.Interaction)]
    for opt in ordered(command.options):
        default = inspect.Parameter.empty if opt.required else None
        params.append(inspect.Parameter(opt.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                        annotation=_annotation(opt)))
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return callback


def _leaf(path: tuple[str, ...], command: Command, run: Runner, suggest: Suggester | None,
          parent: app_commands.Group | None = None) -> app_commands.Command[Any, ..., None]:
    slash: app_commands.Command[Any, ..., None] = SlashCommand(
        name=command.name, description=shorten(command.summary, DESCRIPTION_MAX),
        callback=_callback(path, command, run), parent=parent)
    for opt in command.options:
        param = slash._params[opt.name]
        param.description = shorten(opt.help, DESCRIPTION_MAX)
        if suggest is not None and opt.kind in (OptionKind.MODEL, OptionKind.CAPABILITY):
            slash.autocomplete(opt.name)(_autocomplete(opt.kind, suggest))
    if parent is None and command.right is Right.ADMIN:
        slash.default_permissions = ADMIN_PERMISSIONS
        slash.guild_only = True
    return slash


def _autocomplete(kind: OptionKind, suggest: Suggester) -> Callable[..., Awaitable[list[Any]]]:
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await suggest(interaction, kind, current)

    return complete


def slash_commands(registry: Registry, run: Runner, suggest: Suggester | None = None
                   ) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    """Every command of the registry, ready for `CommandTree.add_command`."""
    out: list[app_commands.Command[Any, ..., None] | app_commands.Group] = []
    for command in registry:
        if not command.is_group:
            out.append(_leaf((command.name,), command, run, suggest))
            continue
        admin = all(sub.right is Right.ADMIN for sub in command.subcommands)
        group = SlashGroup(name=command.name, description=shorten(command.summary, DESCRIPTION_MAX),
                                   default_permissions=ADMIN_PERMISSIONS if admin else None, guild_only=admin)
        for sub in command.subcommands:
            group.add_command(_leaf((command.name, sub.name), sub, run, suggest, parent=group))
        out.append(group)
    return out
