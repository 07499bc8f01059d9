"""Vote buttons that survive restarts: the clip's short id and the label live in the button's custom_id.

Why `DynamicItem`: a restarted process has no memory of the views it sent; discord.py matches a click
on any message against the template and rebuilds the button from its custom_id alone.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.results import VOTE_VALUES

BUTTON_WORDS = {"representative": "Representative", "cherry_picked": "Cherry-picked",
                "misleading_workflow": "Misleading workflow", "cant_tell": "Can't tell"}
TEMPLATE = r"vote:(?P<clip>[a-z2-7]{6,32}):(?P<label>representative|cherry_picked|misleading_workflow|cant_tell)"


def custom_id(clip_id: str, label: str) -> str:
    return f"vote:{clip_id}:{label}"


ROWS_MAX = 5  # Discord: 5 action rows a message, 5 buttons a row; one clip's four buttons take a row


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    def __init__(self, clip_id: str, label: str, *, tag: str = "", row: int | None = None) -> None:
        words = f"{tag} {BUTTON_WORDS[label]}" if tag else BUTTON_WORDS[label]
        super().__init__(discord.ui.Button(label=words, custom_id=custom_id(clip_id, label),
                                           style=discord.ButtonStyle.secondary), row=row)
        self.clip_id, self.label = clip_id, label

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button[Any],
                             match: re.Match[str]) -> VoteButton:
        return cls(match["clip"], match["label"])

    async def callback(self, interaction: discord.Interaction) -> None:
        on_vote = getattr(interaction.client, "on_vote_click", None)
        if on_vote is None:
            await interaction.response.send_message("Votes are not handled here.", ephemeral=True)
            return
        await on_vote(interaction, self.clip_id, self.label)


def vote_view(*rows: tuple[str, str]) -> discord.ui.View:
    """Vote buttons for each (clip id, tag) pair: one row per clip, the tag ("1.") prefixed to its labels.

    The tag ties a row to its numbered embed when one message answers several links; a clip id that
    repeats is left out (Discord refuses a message whose custom_ids repeat), as are clips past the
    fifth row (the message says to use /vote for those).
    """
    view = discord.ui.View(timeout=None)
    seen: set[str] = set()
    for clip_id, tag in rows:
        if clip_id in seen or len(seen) >= ROWS_MAX:
            continue
        row = len(seen)
        seen.add(clip_id)
        for label in VOTE_VALUES:
            view.add_item(VoteButton(clip_id, label, tag=tag, row=row))
    return view
