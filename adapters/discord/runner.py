"""`yuntai discord` and `yuntai discord sync`: start the bot, or register its commands once and exit.

Why sync is separate: Discord rate-limits command registration, and a bot that re-registers on every
start (or every shard) trips it; owners sync after an upgrade, a guild for development, globally for
production. Shards come from DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS ("0,1") so several processes
share one database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

import discord

from adapters.discord.bot import YuntaiBot
from adapters.discord.digests import DiscordDigestPoster
from adapters.discord_endpoints import apply_endpoints
from adapters.wiring import App, build_digest_runner
from bot.config import ConfigError
from bot.scheduler import DigestScheduler

log = logging.getLogger(__name__)

NO_CONTENT_INTENT_OFF = ("yuntai: DISCORD_MESSAGE_CONTENT is off, so pasted links are not read; /check and the "
                         "\"Check this demo\" message menu still work.")
NO_CONTENT_INTENT = ("yuntai: the Message Content intent is not enabled for this application, so pasted links "
                     "are not read; /check and the \"Check this demo\" message menu still work.")


def shard_settings(env: Mapping[str, str]) -> tuple[int | None, list[int] | None]:
    raw_count = (env.get("DISCORD_SHARD_COUNT") or "").strip()
    raw_ids = (env.get("DISCORD_SHARD_IDS") or "").strip()
    try:
        count = int(raw_count) if raw_count else None
        ids = [int(x) for x in raw_ids.split(",") if x.strip()] if raw_ids else None
    except ValueError:
        raise ConfigError("DISCORD_SHARD_COUNT must be a whole number and DISCORD_SHARD_IDS like 0,1") from None
    if ids is not None and count is None:
        raise ConfigError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
    if count is not None and (count < 1 or any(not 0 <= i < count for i in ids or ())):
        raise ConfigError("DISCORD_SHARD_IDS must be between 0 and DISCORD_SHARD_COUNT - 1")
    return count, ids


def make_bot(app: App, env: Mapping[str, str], *, message_content: bool = True) -> YuntaiBot:
    count, ids = shard_settings(env)
    return YuntaiBot(app.chat, knowledge=app.checks.knowledge.knowledge_base, message_content=message_content,
                     shard_count=count, shard_ids=ids)


def digest_scheduler(app: App, bot: YuntaiBot) -> DigestScheduler:
    """Digests of this process's communities, claimed once across processes (the core's runner decides)."""
    owner = f"discord:{os.getpid()}:{','.join(map(str, bot.shard_ids or [])) or 'all'}"
    runner = build_digest_runner(app, DiscordDigestPoster(bot), owner=owner)
    runner.ledger = GuildsHere(runner.ledger, bot)
    return DigestScheduler(runner)


class GuildsHere:
    """The ledger seen from this process: only communities that are guilds on its shards.

    Slack and console communities, and guilds of other shard processes, are left to their own
    processes, so this one never claims a digest it cannot post.
    """

    def __init__(self, ledger: Any, bot: discord.Client) -> None:
        self._ledger, self._bot = ledger, bot

    def digest_communities(self) -> list[str]:
        return [c for c in self._ledger.digest_communities() if self.here(c)]

    def here(self, community_id: str) -> bool:
        prefix, _, guild = community_id.partition(":")
        return prefix == "discord" and guild.isdigit() and self._bot.get_guild(int(guild)) is not None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


async def _serve(app: App, env: Mapping[str, str], token: str) -> None:
    message_content = (env.get("DISCORD_MESSAGE_CONTENT") or "on").strip().lower() not in {"0", "off", "no", "false"}
    if not message_content:
        print(NO_CONTENT_INTENT_OFF, file=sys.stderr, flush=True)
    try:
        while True:
            bot = make_bot(app, env, message_content=message_content)
            scheduler = digest_scheduler(app, bot)
            try:
                async with bot:
                    scheduler.start()
                    await bot.start(token)
                return
            except discord.PrivilegedIntentsRequired:
                if not message_content:
                    raise
                print(NO_CONTENT_INTENT, file=sys.stderr, flush=True)
                message_content = False  # Discord closed the socket (4014): connect again without it
            finally:
                await scheduler.stop()
    finally:
        await app.aclose()


async def _sync(app: App, env: Mapping[str, str], token: str, guild: int | None) -> int:
    bot = make_bot(app, env, message_content=False)
    async with bot:
        await bot.login(token)
        if guild is not None:
            target = discord.Object(guild)
            bot.tree.copy_global_to(guild=target)
            synced = await bot.tree.sync(guild=target)
        else:
            synced = await bot.tree.sync()
    where = f"guild {guild}" if guild is not None else "every guild (global commands may take a while to appear)"
    print(f"registered {len(synced)} commands for {where}: {', '.join(sorted(c.name for c in synced))}")
    return 0


def run_discord(app: App, env: Mapping[str, str], *, sync: bool = False, guild: int | None = None) -> int:
    token = (env.get("DISCORD_TOKEN") or "").strip()
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set: create a bot in the Discord developer portal (see README)")
    endpoints = apply_endpoints(env)
    if endpoints.custom:
        log.warning("talking to a Discord-compatible server at %s", endpoints.api_base)
    try:
        if sync:
            return asyncio.run(_sync(app, env, token, guild))
        asyncio.run(_serve(app, env, token))
        return 0
    except discord.LoginFailure:
        raise ConfigError("Discord refused DISCORD_TOKEN (improper token)") from None
