"""The command dispatcher: one way in for every adapter, typed results out.

Adapters hand over typed text (a console line, Slack's `/yuntai ...` text), structured options (a
Discord slash command) or a pasted message, together with the facts about who is asking. The core
reads the community's settings, lets the policy decide, parses by the command's definition, runs
its handler and returns a result object for the adapter to render. A member's mistake comes back as
`ErrorResult` with a polite line; anything else is logged for the operator and answered with a
generic apology, so one bad message never takes the bot down and a refusal changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from bot.context import CommandContext, NoSettings, Services
from bot.parsing import CommandSyntaxError, Invocation, convert, parse, split_links
from bot.policy import AccessPolicy, CommunitySettings, Requester
from bot.registry import Registry
from bot.results import ChecksReply, ErrorResult, LinkCheck
from bot.service import INPUT_ERRORS
from bot.signals import UnknownModel
from bot.spelling import spell, unknown_model
from bot.text import printable, storable

log = logging.getLogger(__name__)

MAX_MESSAGE = 25_000
MAX_LINKS_PER_MESSAGE = 5  # a pasted message's links checked at once; the answer says how many were left out
APOLOGY = "Something went wrong on my side; the operator has the details."


class ChatCore:
    def __init__(self, registry: Registry, services: Services, policy: AccessPolicy | None = None) -> None:
        self.registry = registry
        self.services = services
        self.policy = policy or AccessPolicy()
        self.settings_source = services.settings or NoSettings()

    async def handle_text(self, text: str, who: Requester) -> Any | None:
        """A typed line: "/command ..." or a message that may hold a link; None when it is not for me."""
        text = storable(text or "").strip()
        if not text:
            return None
        if len(text) > MAX_MESSAGE:
            return ErrorResult(f"That message is {len(text):,} characters long; I read at most {MAX_MESSAGE:,}.")
        if text.startswith("/"):
            return await self.handle_command_text(text[1:], who)
        return await self.handle_message(text, who)

    async def handle_command_text(self, text: str, who: Requester) -> Any:
        """The words after the slash (the console) or after `/yuntai` (Slack)."""
        text = storable(text)
        if len(text) > MAX_MESSAGE:
            return ErrorResult(f"That message is {len(text):,} characters long; I read at most {MAX_MESSAGE:,}.")
        try:
            invocation = parse(self.registry, text, who.command_prefix)
        except CommandSyntaxError as exc:
            log.info("unparsed command from %s in %s: %s", who.user_id, who.community_id, exc)
            return ErrorResult(printable(str(exc)))
        return await self._run(invocation, who)

    async def invoke(self, path: tuple[str, ...], values: Mapping[str, object], who: Requester) -> Any:
        """Structured options (a Discord slash command): the same checks and conversions as typed text."""
        command = self.registry.resolve(path)
        if command is None or command.is_group:
            return ErrorResult(f"I don't know {spell(' '.join(path)[:40], who.command_prefix)}. "
                               f"Try {spell('help', who.command_prefix)}.")
        values = {k: storable(v) if isinstance(v, str) else v for k, v in values.items()}
        try:
            typed = convert(command, dict(values), spell(path, who.command_prefix))
        except CommandSyntaxError as exc:
            return ErrorResult(printable(str(exc)))
        return await self._run(Invocation(path, command, typed), who)

    async def handle_message(self, text: str, who: Requester) -> Any | None:
        """A pasted message: checked when it holds a link and the channel is watched (or it is a DM).

        One link gets the full check; several get one `ChecksReply` covering each (see `check_links`).
        """
        links, caption = split_links(storable(text or ""))
        if not links:
            return None
        settings = await self._settings(who)
        if settings is None:
            return ErrorResult(APOLOGY)
        if not self.policy.reads_pasted_links(who, settings):
            return None
        return await self._check_links(links, caption, who, settings)

    async def check_links(self, text: str, who: Requester) -> Any:
        """A message someone asked about ("Check this demo"): every link checked, wherever it was posted."""
        links, caption = split_links(storable(text or ""))
        if not links:
            return ErrorResult("That message has no link I can check.")
        settings = await self._settings(who)
        if settings is None:
            return ErrorResult(APOLOGY)
        return await self._check_links(links, caption, who, settings)

    async def _check_links(self, links: list[str], caption: str, who: Requester,
                           settings: CommunitySettings) -> Any:
        """Each link through the same `/check` path (policy, conversion, handler); one reply for all of them.

        The checks run together, so a message with five links waits about as long as its slowest page,
        not the sum; `_run` turns every failure into that link's `ErrorResult`, so one bad link cannot
        take the others down.
        """
        if len(links) == 1:
            return await self._check_one(links[0], caption, who, settings)
        taken = links[:MAX_LINKS_PER_MESSAGE]
        results = await asyncio.gather(*(self._check_one(link, caption, who, settings) for link in taken))
        if len(links) > len(taken):
            log.info("checked %d of %d links in one message from %s in %s", len(taken), len(links), who.user_id,
                     who.community_id)
        return ChecksReply(tuple(LinkCheck(link, result) for link, result in zip(taken, results, strict=True)),
                           left_out=len(links) - len(taken))

    async def _check_one(self, link: str, caption: str, who: Requester, settings: CommunitySettings) -> Any:
        command = self.registry.resolve(("check",))
        assert command is not None
        values = {"link": link, "caption": caption or None}
        try:
            typed = convert(command, values, "/check")
        except CommandSyntaxError as exc:
            return ErrorResult(printable(str(exc)))
        return await self._run(Invocation(("check",), command, typed), who, settings)

    async def _settings(self, who: Requester) -> CommunitySettings | None:
        try:
            return await self.services.checks.io.run(self.settings_source.settings, who.community_id)
        except Exception:
            log.exception("reading the settings of %s failed", who.community_id)
            return None

    async def _run(self, inv: Invocation, who: Requester, settings: CommunitySettings | None = None) -> Any:
        name = "/" + " ".join(inv.path)
        if settings is None:
            settings = await self._settings(who)
            if settings is None:
                return ErrorResult(APOLOGY)
        decision = self.policy.may_run(inv.command, inv.path, who, settings)
        if not decision.allowed:
            log.info("refused %s for %s in %s: %s", name, who.user_id, who.community_id, decision.reason)
            return ErrorResult(decision.reason)
        ctx = CommandContext(self.policy.actor(who, settings), who, settings, self.services, self.registry)
        assert inv.command.handler is not None and inv.command.args is not None
        try:
            return await inv.command.handler(ctx, inv.command.args(**inv.values))
        except INPUT_ERRORS as exc:
            log.info("refused %s from %s in %s: %s", name, who.user_id, who.community_id, exc)
            message = unknown_model(exc.name, exc.suggestions, who.command_prefix) \
                if isinstance(exc, UnknownModel) else str(exc)  # its own text names /model as Discord has it
            return ErrorResult(printable(message))
        except Exception:
            log.exception("command %s failed in %s", name, who.community_id)
            return ErrorResult(APOLOGY)
