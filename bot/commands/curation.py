"""`/kb`: a community's admins curate their own layer of the knowledge base, with history and undo.

The registry has two levels (`/kb add`), so what is added (`model`, `capability`, `claim`) is the first
option and its details are bound by the same parser against a small definition per kind: one way to
read words, and Discord still gets a typed first choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.context import CommandContext
from bot.curation import Curation, CurationError, CurationHistory, CurationResult
from bot.knowledge import RATINGS
from bot.overrides import KINDS
from bot.parsing import bind, tokenize
from bot.registry import Command, Option, OptionKind, Right
from bot.results import ErrorResult


@dataclass(frozen=True)
class KbChangeArgs:
    kind: str
    details: str | None = None


@dataclass(frozen=True)
class KbHistoryArgs:
    thing: str | None = None


@dataclass(frozen=True)
class KbUndoArgs:
    change_id: int


def _o(name: str, kind: OptionKind, help_: str, required: bool = False, **kw: Any) -> Option:
    return Option(name, kind, help_, required=required, **kw)


_MODEL = _o("model", OptionKind.MODEL, "the model (quote a name with spaces)", True)
_CAPABILITY = _o("capability", OptionKind.CAPABILITY, "the capability id or name", True)
_CLAIM = (
    _MODEL, _CAPABILITY,
    _o("rating", OptionKind.CHOICE, "what the model does with it", True, choices=RATINGS),
    _o("source", OptionKind.STR, "the full URL of the page that says so (never fetched)", True),
    _o("note", OptionKind.TEXT, "a short note: what the source shows"),
)
ADD = {
    "model": (_o("id", OptionKind.STR, "a short id: lowercase letters, digits, - or _", True),
              _o("name", OptionKind.STR, "the model's name (quote it if it has spaces)", True),
              _o("aliases", OptionKind.TEXT, "other names, comma-separated")),
    "capability": (_o("id", OptionKind.STR, "a short id: lowercase letters, digits, - or _", True),
                   _o("name", OptionKind.STR, "its name (quote it if it has spaces)", True),
                   _o("parent", OptionKind.CAPABILITY, "the capability it belongs under, as parent:ID"),
                   _o("words", OptionKind.TEXT, "words and phrases that reveal it in a caption, comma-separated")),
    "claim": _CLAIM,
}
UPDATE = {
    "model": (_MODEL, _o("name", OptionKind.STR, "a new name, as name:'...'"),
              _o("aliases", OptionKind.TEXT, "the new list of aliases, comma-separated")),
    "capability": (_CAPABILITY, _o("name", OptionKind.STR, "a new name, as name:'...'"),
                   _o("parent", OptionKind.CAPABILITY, "a new parent, as parent:ID (parent:none for the top)"),
                   _o("words", OptionKind.TEXT, "the new words, comma-separated")),
    "claim": _CLAIM,
}
RETIRE = {"model": (_MODEL,), "capability": (_CAPABILITY,), "claim": (_MODEL, _CAPABILITY)}


def _details(ctx: CommandContext, verb: str, kind: str, specs: dict[str, tuple[Option, ...]],
             text: str | None) -> dict[str, Any]:
    spec = Command(kind, f"{verb} {kind}", specs[kind])
    return bind(spec, tokenize(text or ""), ctx.actor.spell(f"kb {verb} {kind}"))


def _service(ctx: CommandContext) -> Curation:
    if ctx.services.curation is None:
        raise CurationError("Curation needs storage, and there is none here.")
    return ctx.services.curation


async def _run(ctx: CommandContext, fn: Callable[..., Any], *args: Any) -> Any:
    return await ctx.services.checks.io.run(fn, *args)


async def kb_add(ctx: CommandContext, args: KbChangeArgs) -> CurationResult | ErrorResult:
    c, v = _service(ctx), _details(ctx, "add", args.kind, ADD, args.details)
    if args.kind == "model":
        return await _run(ctx, c.add_model, ctx.actor, v["id"], v["name"], v["aliases"])
    if args.kind == "capability":
        return await _run(ctx, c.add_capability, ctx.actor, v["id"], v["name"], v["parent"], v["words"])
    return await _run(ctx, lambda: c.set_claim(ctx.actor, v["model"], v["capability"], v["rating"], v["source"],
                                               v["note"], update=False))


async def kb_update(ctx: CommandContext, args: KbChangeArgs) -> CurationResult | ErrorResult:
    c, v = _service(ctx), _details(ctx, "update", args.kind, UPDATE, args.details)
    if args.kind == "model":
        return await _run(ctx, c.update_model, ctx.actor, v["model"], v["name"], v["aliases"])
    if args.kind == "capability":
        return await _run(ctx, c.update_capability, ctx.actor, v["capability"], v["name"], v["parent"], v["words"])
    return await _run(ctx, lambda: c.set_claim(ctx.actor, v["model"], v["capability"], v["rating"], v["source"],
                                               v["note"], update=True))


async def kb_retire(ctx: CommandContext, args: KbChangeArgs) -> CurationResult:
    c, v = _service(ctx), _details(ctx, "retire", args.kind, RETIRE, args.details)
    thing = v.get("model") or v.get("capability")
    return await _run(ctx, c.retire, ctx.actor, args.kind, thing, v.get("capability") if args.kind == "claim"
                      else None)


async def kb_history(ctx: CommandContext, args: KbHistoryArgs) -> CurationHistory:
    return await _run(ctx, _service(ctx).history, ctx.actor, args.thing)


async def kb_undo(ctx: CommandContext, args: KbUndoArgs) -> CurationResult:
    return await _run(ctx, _service(ctx).undo, ctx.actor, args.change_id)


_KIND = Option("kind", OptionKind.CHOICE, "what to change: model, capability or claim", required=True, choices=KINDS)

KB = Command(
    "kb",
    "Admins: this community's own knowledge base (its models, capabilities and claims), with history and undo.",
    subcommands=(
        Command("add", "Add to this community's knowledge base: model <id> <name> [aliases] | capability <id> "
                "<name> [parent:ID] [words] | claim <model> <capability> <strength|mixed|weakness> <source-url> "
                "[note].",
                (_KIND, Option("details", OptionKind.TEXT, "what the kind needs (see the summary)",
                               keep_quotes=True)),
                right=Right.ADMIN, handler=kb_add, args=KbChangeArgs),
        Command("update", "Change this community's version: model <model> [name:'...'] [aliases] | capability <id> "
                "[name:'...'] [parent:ID] [words] | claim <model> <capability> <rating> <source-url> [note].",
                (_KIND, Option("details", OptionKind.TEXT, "what the kind needs (see the summary)",
                               keep_quotes=True)),
                right=Right.ADMIN, handler=kb_update, args=KbChangeArgs),
        Command("retire", "Retire a model, capability or claim for this community: model <model> | capability "
                "<id> | claim <model> <capability>. It stays in history.",
                (_KIND, Option("details", OptionKind.TEXT, "the model, capability, or model and capability",
                        keep_quotes=True)),
                right=Right.ADMIN, handler=kb_retire, args=KbChangeArgs),
        Command("history", "Who changed what in this community's knowledge base, when, before and after.",
                (Option("thing", OptionKind.STR, "a model or capability (all changes without it)", greedy=True),),
                right=Right.ADMIN, handler=kb_history, args=KbHistoryArgs),  # DESIGN.md: every /kb command is admin
        Command("undo", "Revert one change by its id (the undo is itself a change in history).",
                (Option("change_id", OptionKind.INT, "the change's id, from /kb history", required=True,
                        min_value=1, max_value=2**31 - 1),),
                right=Right.ADMIN, handler=kb_undo, args=KbUndoArgs),
    ),
)
