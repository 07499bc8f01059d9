"""How members type a command on their platform, for every core message that names one.

Why the core needs the adapter's word on it: on Discord and the console each command is its own
slash command (`/kb add claim`), while Slack gives an app one slash command and every command is a
subcommand of it (`/yuntai kb add claim`). A message saying "use /kb add claim" on Slack names a
command that does not exist there. Each adapter states its prefix as a requester fact
(`Requester.command_prefix`); the core spells every command it names with `spell`.
"""

from __future__ import annotations

from collections.abc import Sequence

SLASH = "/"  # Discord and the console: every command is a slash command of its own


def spell(words: str | Sequence[str], prefix: str = SLASH) -> str:
    """`kb add claim` (or its path) as typed here: `/kb add claim`, or `/yuntai kb add claim` on Slack."""
    text = words if isinstance(words, str) else " ".join(words)
    return prefix + text


def unknown_model(name: str, suggestions: Sequence[str], prefix: str = SLASH) -> str:
    """`bot.signals.UnknownModel`'s message, spelled for the platform (tests pin the two together)."""
    hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else f" Try {spell('model', prefix)} to list them."
    return f"I don't know a model called {name!r}.{hint}"
