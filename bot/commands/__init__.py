"""Every command Yuntai offers, one module per domain, gathered into the registry every adapter renders.

A new domain (votes, curation, setup) is a module here with its `Command` definitions and handlers,
plus one line below; nothing else needs to learn the commands' names.
"""

from __future__ import annotations

from bot.commands.attempts import TRIED
from bot.commands.core import CHECK, DIGEST, HELP, INTRO, MODEL, USAGE
from bot.commands.curation import KB
from bot.commands.setup import SETUP
from bot.commands.votes import VERDICTS, VOTE
from bot.registry import Command, Registry

COMMANDS: tuple[Command, ...] = (CHECK, MODEL, VOTE, VERDICTS, TRIED, DIGEST, KB, SETUP, USAGE, HELP)

REGISTRY = Registry(COMMANDS)

__all__ = ["COMMANDS", "INTRO", "REGISTRY"]
