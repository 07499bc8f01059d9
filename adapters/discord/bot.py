"""The Discord bot: every interaction deferred first, then answered from the core; pasted links screened.

Why this shape: Discord drops an interaction not acknowledged within 3 seconds, and a check may fetch
a page or call an LLM, so each slash command, context-menu click and vote click is deferred before
anything else and answered with a follow-up. The core decides everything (rights, watched channels,
the verdict); this module only turns Discord's facts into a `Requester` and the core's replies into
messages. Mentions never ping: the client's default is `AllowedMentions.none()` and every send
passes it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from adapters.discord.commands import slash_commands
from adapters.discord.digests import CHART_NAME, chart_file
from adapters.discord.embeds import Answer, answer
from adapters.discord.votes import VoteButton, vote_view
from bot.chat import APOLOGY, ChatCore
from bot.knowledge import KnowledgeBase
from bot.links import find_links
from bot.policy import Requester
from bot.registry import OptionKind, Right
from bot.results import ErrorResult
from bot.votes import VoteResult

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
CONTEXT_MENU_NAME = "Check this demo"
VOTES_COMING = "Votes are coming soon: this button will record your vote once they are in this version."
VOTES_FIELD = "Community votes"
EMBED_FIELDS_MAX = 25
AUTOCOMPLETE_MAX = 25
FOLLOW_UP_WITHIN = 14 * 60.0  # seconds: Discord's interaction token lives 15 minutes
TOO_SLOW = "That took too long to answer, so I stopped; please try again in a while."


def community_of(guild_id: int | None, user_id: int) -> str:
    return f"discord:{guild_id}" if guild_id else f"discord:dm:{user_id}"


class YuntaiBot(commands.AutoShardedBot):
    def __init__(self, chat: ChatCore, *, knowledge: Callable[[str], KnowledgeBase] | None = None,
                 message_content: bool = True, shard_count: int | None = None,
                 shard_ids: list[int] | None = None, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, allowed_mentions=NO_PINGS,
                         shard_count=shard_count, shard_ids=shard_ids, help_command=None, **options)
        self.chat = chat
        self.knowledge = knowledge
        self.follow_up_within = FOLLOW_UP_WITHIN
        self.add_dynamic_items(VoteButton)
        for command in slash_commands(chat.registry, self.run_command, self.suggest):
            self.tree.add_command(command)
        self.tree.add_command(app_commands.ContextMenu(name=CONTEXT_MENU_NAME, callback=self.check_message))

    async def setup_hook(self) -> None:
        """Compile the check pipeline on a storage thread before the first interaction arrives.

        Built lazily, the first check compiles its matchers on the event loop and holds every other
        interaction's 3-second acknowledgement for a few hundred milliseconds (bench/discord_speed.py).
        """
        checks = self.chat.services.checks
        try:
            await checks.io.run(checks.pipeline, "")
        except Exception:
            log.exception("warming the check pipeline failed; the first check will build it")

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A community's own knowledge-base layer gets its pipeline compiled off the loop as well."""
        checks = self.chat.services.checks
        try:
            await checks.io.run(checks.pipeline, community_of(guild.id, 0))
        except Exception:
            log.exception("warming the check pipeline of guild %s failed", guild.id)

    # ---------------------------------------------------------------- who is asking

    def interaction_requester(self, interaction: discord.Interaction) -> Requester:
        user = interaction.user
        roles = tuple(str(r.id) for r in getattr(user, "roles", ()) if r.id != interaction.guild_id)
        return Requester(community_of(interaction.guild_id, user.id), str(user.id), user.display_name, roles,
                         platform_admin=bool(interaction.guild_id and interaction.permissions.manage_guild),
                         channel_id=str(interaction.channel_id) if interaction.channel_id else None,
                         direct=interaction.guild_id is None)

    def message_requester(self, message: discord.Message) -> Requester:
        author = message.author
        guild_id = message.guild.id if message.guild else None
        roles = tuple(str(r.id) for r in getattr(author, "roles", ()) if r.id != guild_id)
        perms = getattr(author, "guild_permissions", None)
        return Requester(community_of(guild_id, author.id), str(author.id), author.display_name, roles,
                         platform_admin=bool(perms and perms.manage_guild), channel_id=str(message.channel.id),
                         direct=guild_id is None)

    # ---------------------------------------------------------------- sending

    @staticmethod
    def _parts(reply: Answer) -> dict[str, Any]:
        parts: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if reply.content:
            parts["content"] = reply.content
        if reply.embeds:
            parts["embeds"] = [discord.Embed.from_dict(e) for e in reply.embeds]
            picture = chart_file(reply.image, CHART_NAME) if reply.image else None
            if picture is not None:
                parts["file"] = picture
                parts["embeds"][0].set_image(url=f"attachment://{CHART_NAME}")
        if reply.votes:
            parts["view"] = vote_view(*reply.votes)
        return parts

    async def _follow_up(self, interaction: discord.Interaction, reply: Answer) -> None:
        await interaction.followup.send(**self._parts(reply), ephemeral=reply.ephemeral)

    async def _in_time(self, work: Awaitable[Any], what: str) -> Any:
        """The core's reply to a deferred interaction, or a polite line when it breaks or runs too long.

        Why: a deferred interaction shows "thinking..." until it is followed up, and its token dies after
        15 minutes; a hung page fetch or a bug must end in an answer the member can read, not a spinner.
        """
        try:
            return await asyncio.wait_for(work, self.follow_up_within)
        except TimeoutError:
            log.error("%s took over %.0f s; answered with an apology", what, self.follow_up_within)
            return ErrorResult(TOO_SLOW)
        except Exception:
            log.exception("%s failed", what)
            return ErrorResult(APOLOGY)

    # ---------------------------------------------------------------- interactions

    async def run_command(self, interaction: discord.Interaction, path: tuple[str, ...],
                          values: dict[str, object]) -> None:
        """A slash command: acknowledged before anything else, answered from the core afterwards."""
        command = self.chat.registry.resolve(path)
        private = command is not None and command.right is Right.ADMIN
        await interaction.response.defer(thinking=True, ephemeral=private)
        result = await self._in_time(self.chat.invoke(path, values, self.interaction_requester(interaction)),
                                     "/" + " ".join(path))
        await self._follow_up(interaction, answer(result))

    async def check_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """"Check this demo" on a message: works without the Message Content intent (Discord resolves it).

        Every link in the message is checked, as if it had been pasted in a watched channel.
        """
        if not find_links(message.content or ""):
            await interaction.response.send_message("That message has no link I can check.", ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        result = await self._in_time(
            self.chat.check_links(message.content or "", self.interaction_requester(interaction)), CONTEXT_MENU_NAME)
        await self._follow_up(interaction, answer(result))

    async def on_vote_click(self, interaction: discord.Interaction, clip_id: str, label: str) -> None:
        if self.chat.registry.resolve(("vote",)) is None:
            await interaction.response.send_message(VOTES_COMING, ephemeral=True)
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        result = await self._in_time(self.chat.invoke(("vote",), {"link": clip_id, "label": label},
                                                      self.interaction_requester(interaction)), "a vote click")
        if isinstance(result, VoteResult):
            await self._show_tally(interaction, result)
        reply = answer(result)
        reply.ephemeral, reply.votes = True, ()
        await self._follow_up(interaction, reply)

    async def _show_tally(self, interaction: discord.Interaction, result: VoteResult) -> None:
        """The check's message shows the community's tally, updated in place after every vote.

        A message answering several links has an embed per clip, each linking to its clip: the tally
        goes on the one whose link is the voted clip, never on a neighbour.
        """
        message = interaction.message
        if message is None or not message.embeds:
            return
        embeds = list(message.embeds)
        which = next((i for i, e in enumerate(embeds) if e.url == result.clip_url), None)
        if which is None:
            if len(embeds) > 1:
                return
            which = 0
        embed = embeds[which].copy()
        tally = ", ".join(f"{label.replace('_', ' ')} {n}" for label, n in result.votes.items())
        at = next((i for i, f in enumerate(embed.fields) if f.name == VOTES_FIELD), None)
        if at is not None:
            embed.set_field_at(at, name=VOTES_FIELD, value=tally, inline=False)
        elif len(embed.fields) < EMBED_FIELDS_MAX:
            embed.add_field(name=VOTES_FIELD, value=tally, inline=False)
        else:
            return
        try:
            embeds[which] = embed
            await message.edit(embeds=embeds, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:  # the vote is stored either way; the tally shows on the next one
            log.warning("could not update the tally on message %s: %s", message.id, exc)

    async def suggest(self, interaction: discord.Interaction, kind: OptionKind,
                      current: str) -> list[app_commands.Choice[str]]:
        """Model or capability names from this community's knowledge snapshot, read off the event loop."""
        if self.knowledge is None:
            return []
        community = community_of(interaction.guild_id, interaction.user.id)
        try:
            kb = await self.chat.services.checks.io.run(self.knowledge, community)
        except Exception:
            log.exception("autocomplete could not read the knowledge base of %s", community)
            return []
        return suggestions(kb, kind, current)

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        log.error("slash command failed: %s", error, exc_info=error)

    # ---------------------------------------------------------------- pasted links

    async def on_message(self, message: discord.Message) -> None:
        """One reply per message with links in a watched channel; never a bot, a webhook or myself.

        Most messages hold no link: the cheap tests come first, so screening them costs microseconds.
        Several links get one compact answer from the core (`ChatCore.handle_message`).
        """
        content = message.content
        if "/" not in content or message.author.bot or message.webhook_id is not None:
            return  # a clip link has a slash ("https://", "youtu.be/..."): most messages stop at this test
        if not find_links(content):
            return
        result = await self.chat.handle_message(content, self.message_requester(message))
        if result is None:
            return
        if isinstance(result, ErrorResult) and result.message == APOLOGY:
            return  # the settings could not be read: the channel may not even be watched, so stay quiet
        try:
            await message.channel.send(**self._parts(answer(result)))
        except discord.HTTPException:
            log.exception("could not answer a pasted link in channel %s", message.channel.id)


def suggestions(kb: KnowledgeBase, kind: OptionKind, current: str) -> list[app_commands.Choice[str]]:
    """Names whose name, id or alias contains what was typed; names that start with it come first."""
    typed = current.strip().lower()
    rows: list[tuple[str, str, tuple[str, ...]]]
    if kind is OptionKind.MODEL:
        rows = [(m.name, m.id, m.aliases) for m in kb.models]
    else:
        rows = [(c.name, c.id, ()) for c in kb.capabilities]
    scored = []
    for name, ident, aliases in rows:
        words = [name.lower(), ident.lower(), *(a.lower() for a in aliases)]
        if typed and not any(typed in w for w in words):
            continue
        starts = any(w.startswith(typed) for w in words)
        scored.append((0 if starts else 1, name.lower(), name, ident))
    scored.sort()
    return [app_commands.Choice(name=name[:100], value=ident[:100]) for *_, name, ident in scored[:AUTOCOMPLETE_MAX]]
