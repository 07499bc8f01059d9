"""The weekly digest posted in a community's configured Discord channel, with its chart attached.

Why a poster and not a command: the core's `DigestRunner` decides when a digest is due and claims it
exactly once across processes; this only renders and sends. Raising means "not sent", so the claim is
retried rather than lost (a deleted channel, a missing permission, Discord away).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import discord

from adapters.discord.embeds import answer

NO_PINGS = discord.AllowedMentions.none()
CHART_NAME = "chart.png"

log = logging.getLogger(__name__)


def chart_file(path: str | Path, filename: str) -> discord.File | None:
    """The chart at `path` ready to attach, or None (logged) when it is missing or cannot be read.

    Why None and not an error: a chart illustrates an answer that stands on its own; a cache folder
    cleaned under the bot or a permission mistake must cost the picture, not the answer.
    """
    try:
        return discord.File(str(path), filename=filename)
    except OSError as exc:
        log.warning("chart %s not attached: %s", path, exc.strerror or exc)
        return None


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
        picture = chart_file(reply.image, "digest.png") if reply.image else None
        if picture is not None:
            embeds[0].set_image(url="attachment://digest.png")
            await target.send(embeds=embeds, file=picture, allowed_mentions=NO_PINGS)
        else:
            await target.send(embeds=embeds, allowed_mentions=NO_PINGS)
