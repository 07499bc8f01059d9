"""The weekly digest posted in a community's configured Discord channel, with its chart attached.

Why a poster and not a command: the core's `DigestRunner` decides when a digest is due and claims it
exactly once across processes; this only renders and sends. Raising means "not sent", so the claim is
retried rather than lost (a deleted channel, a missing permission, Discord away).
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.embeds import answer

NO_PINGS = discord.AllowedMentions.none()


class DiscordDigestPoster:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def post(self, channel: str | None, digest: Any) -> None:
        if not channel or not channel.isdigit():
            raise ValueError(f"digest channel {channel!r} is not a Discord channel id")
        target = self.client.get_channel(int(channel)) or await self.client.fetch_channel(int(channel))
        if not isinstance(target, discord.abc.Messageable):
            raise ValueError(f"digest channel {channel} cannot take messages")
        reply = answer(digest)
        embeds = [discord.Embed.from_dict(e) for e in reply.embeds]
        chart = getattr(digest, "chart", None)
        if chart is not None and chart.exists():
            picture = discord.File(str(chart), filename="digest.png")
            embeds[0].set_image(url="attachment://digest.png")
            await target.send(embeds=embeds, file=picture, allowed_mentions=NO_PINGS)
        else:
            await target.send(embeds=embeds, allowed_mentions=NO_PINGS)
