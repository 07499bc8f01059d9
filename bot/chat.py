"""The chat core: one place that turns a member's command into a result object.

Adapters hand over either typed text (console, a pasted link) or structured options (slash
commands) plus the actor; they get back a plain result to render. Errors a member caused come
back as `ErrorResult` with a polite line; anything else is logged for the operator and answered
with a generic apology, so one bad message never takes the bot down.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Callable
from typing import Any

from bot.commands import BY_NAME, COMMANDS, INTRO
from bot.demos import demo_line, demos_for
from bot.digest import DigestService
from bot.links import find_links
from bot.ports import Actor
from bot.results import ClaimView, ErrorResult, HelpResult, ModelList, ModelReport, UsageResult
from bot.service import INPUT_ERRORS, CheckRequest, CheckService
from bot.signals import UnknownModel
from bot.verdict import combine

log = logging.getLogger(__name__)

Reply = Any  # CheckResult | ModelReport | ModelList | HelpResult | ErrorResult

_OPTION = re.compile(r"^(?:--)?(model|workflow|caption)(?:[:=](.*))?$", re.IGNORECASE | re.DOTALL)
MAX_MESSAGE = 25_000


def _looks_like_link(token: str) -> bool:
    """The link among a command's words: what find_links sees, or anything with a scheme (to refuse it)."""
    return bool(find_links(token)) or "://" in token or token.lower().startswith(("javascript:", "data:", "file:"))


class ChatCore:
    def __init__(
        self,
        checks: CheckService,
        *,
        fetch: bool = True,
        usage: Callable[[str], Any] | None = None,
        digests: DigestService | None = None,
    ) -> None:
        self.checks = checks
        self.fetch = fetch
        self.usage_report = usage  # community id -> an object with .lines(); None without an LLM
        self.digests = digests

    async def handle_text(self, text: str, actor: Actor) -> Reply | None:
        """A typed line: a command, or a message with a link in it, or nothing for me."""
        text = (text or "").strip()
        if not text:
            return None
        if len(text) > MAX_MESSAGE:
            return ErrorResult(f"That message is {len(text):,} characters long; I read at most {MAX_MESSAGE:,}.")
        if text.startswith("/"):
            name, _, rest = text[1:].partition(" ")
            name = name.lower()
            if name not in BY_NAME:
                return ErrorResult(f"I don't know /{name[:30]}. Try /help.")
            try:
                args = self._parse_args(name, rest)
            except ValueError as exc:
                return ErrorResult(str(exc))
            return await self.run(name, args, actor)
        links = find_links(text)
        if not links:
            return None
        caption = text.replace(links[0], " ").strip() or None
        return await self.run("check", {"link": links[0], "caption": caption}, actor)

    def _parse_args(self, name: str, rest: str) -> dict[str, str | None]:
        try:
            tokens = shlex.split(rest)
        except ValueError:
            tokens = rest.split()
        if name == "check":
            args: dict[str, str | None] = {}
            free: list[str] = []
            i = 0
            while i < len(tokens):
                tok = tokens[i]
                m = _OPTION.match(tok)
                if m and (m.group(2) is not None or tok.startswith("--")):
                    key = m.group(1).lower()
                    value = m.group(2)
                    if value is None:
                        if i + 1 >= len(tokens):
                            raise ValueError(f"--{key} needs a value, e.g. --{key} " +
                                             ("'Kling 1.6'" if key == "model" else "image-to-video"))
                        i += 1
                        value = tokens[i]
                    if key in args:
                        raise ValueError(f"{key} was given twice; give it once.")
                    args[key] = value
                elif "link" not in args and _looks_like_link(tok):
                    args["link"] = tok.strip("<>")
                else:
                    free.append(tok)
                i += 1
            if free:
                args["caption"] = (args.get("caption") or "") + " ".join(free)
            return args
        if name == "model":
            return {"name": rest.strip() or None}
        if name == "digest":
            return {"action": rest.strip().lower() or None}
        return {}

    async def run(self, name: str, args: dict[str, Any], actor: Actor) -> Reply:
        spec = BY_NAME.get(name)
        if spec is not None and spec.admin_only and not actor.is_admin:
            log.info("refused admin command %s for %s in %s", name, actor.user_id, actor.community_id)
            return ErrorResult(f"/{name} is for this community's admins.")
        try:
            if name == "help":
                return self.help()
            if name == "usage":
                return self.usage(actor)
            if name == "digest":
                if (args.get("action") or "preview") != "preview":
                    return ErrorResult("Only /digest preview is available for now.")
                if self.digests is None:
                    return ErrorResult("The digest is not available here.")
                return self.digests.preview(actor)
            if name == "model":
                return self.model(args.get("name"), actor)
            if name == "check":
                link = (args.get("link") or "").strip()
                if not link:
                    return ErrorResult("Give me a clip link to check, e.g. /check https://youtu.be/… "
                                       "[model:…] [workflow:…] [caption].")
                request = CheckRequest(
                    url=link,
                    caption=args.get("caption") or None,
                    model=args.get("model") or None,
                    workflow=args.get("workflow") or None,
                    fetch=self.fetch,
                )
                return await self.checks.check(request, actor)
            return ErrorResult(f"I don't know /{name}. Try /help.")
        except INPUT_ERRORS as exc:
            log.info("refused %s from %s in %s: %s", name, actor.user_id, actor.community_id, exc)
            return ErrorResult(str(exc))
        except Exception:
            log.exception("command %s failed in %s", name, actor.community_id)
            return ErrorResult("Sorry, something went wrong on my side; the operator has the details.")

    def usage(self, actor: Actor) -> UsageResult:
        if self.usage_report is None:
            return UsageResult(("LLM summaries: not configured, the template summarizer answers (no tokens used).",))
        return UsageResult(tuple(self.usage_report(actor.community_id).lines()))

    def help(self) -> HelpResult:
        return HelpResult(tuple((c.usage(), c.summary) for c in COMMANDS), INTRO)

    def model(self, name: str | None, actor: Actor) -> ModelReport | ModelList | ErrorResult:
        p = self.checks.pipeline(actor.community_id)
        kb = p.kb
        if not name:
            counts = {m: sum(len(v) for v in caps.values()) for m, caps in kb.claims_by_model.items()}
            return ModelList(tuple((m.id, m.name, m.vendor, counts.get(m.id, 0)) for m in kb.models))
        try:
            model = p.signals.models.resolve(name)
        except UnknownModel as exc:
            return ErrorResult(str(exc))
        groups: dict[str, list[ClaimView]] = {"strength": [], "mixed": [], "weakness": []}
        rated = kb.claims_by_model.get(model.id, {})
        order = {c.id: i for i, c in enumerate(kb.capabilities)}
        for cap in sorted(rated, key=lambda c: order.get(c, 10**6)):
            claims = rated[cap]
            rating = combine(claims)
            sources = tuple(dict.fromkeys(s.url for c in claims for s in c.sources))
            notes = tuple(dict.fromkeys(c.note for c in claims if c.note))
            groups[rating].append(ClaimView(cap, rating, sources, notes))
        leaves = [c.id for c in kb.capabilities if c.parent is not None and not kb.children.get(c.id)]
        undocumented = tuple(
            c for c in leaves if p.rules.rating_for(model.id, c) is None
        )
        return ModelReport(
            model_id=model.id, name=model.name, vendor=model.vendor, released=model.released,
            workflows=model.workflows, notes=model.notes,
            strengths=tuple(groups["strength"]), mixed=tuple(groups["mixed"]),
            weaknesses=tuple(groups["weakness"]), undocumented=undocumented, names=p.names,
            demos=tuple(demo_line(d) for d in demos_for(kb, model.id)),
        )
