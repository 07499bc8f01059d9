"""Core replies as Discord message payloads: embeds within Discord's limits, untrusted text escaped.

Why a module of its own: Discord refuses (HTTP 400) a message whose embed is one character over a
limit, so everything the bot posts is measured and shortened here, at sentence or item boundaries
with "...", before it reaches the network. Limits from
https://discord.com/developers/docs/resources/message#embed-object-embed-limits (read 2026-11-27):
title 256, description 4096, 25 fields, field name 256, field value 1024, footer 2048, 6000 in all.
Everything a stranger could have written (titles, captions, evidence, notes) goes through
`adapters.escape.for_discord`; the payload is plain dicts so the limits are testable without a client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapters.escape import for_discord
from adapters.text_render import RENDERERS
from bot.levels import Level
from bot.results import CheckResult, ErrorResult

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
FOOTER_SQUEEZED = 200  # what the footer keeps when the whole embed is over 6000
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
ELLIPSIS = "..."

LEVEL_COLOURS = {
    Level.SHOWCASE: 0xE8A317,
    Level.REPRESENTATIVE: 0x2E8B57,
    Level.STRESS_TEST: 0xC0392B,
    Level.MIXED: 0x7F8C8D,
    Level.UNKNOWN: 0x95A5A6,
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at the last item (line) or sentence that fits, then a word.

    A reader should never see half a source URL or half a reason: the cut falls where a list item or a
    sentence ends, and "..." says something was left out.
    """
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    if room <= 0:
        return ELLIPSIS[:limit]
    head = text[:room]
    cut = head.rfind("\n")
    if cut < room // 3:  # no line boundary worth keeping: try sentences
        ends = [m.start() for m in _SENTENCE_END.finditer(head)]
        if head.endswith((".", "!", "?")) and text[room:room + 1].isspace():
            ends.append(room)
        cut = ends[-1] if ends and ends[-1] >= room // 3 else -1
    if cut < room // 3:
        cut = head.rfind(" ")
    if cut <= 0:
        cut = room
    # A backslash escape must not be split from the character it escapes.
    kept = head[:cut].rstrip()
    if kept.endswith("\\") and not kept.endswith("\\\\"):
        kept = kept[:-1]
    if kept.endswith(".") and not kept.endswith("\\."):
        kept = kept[:-1]  # "longer." + "..." reads as "longer..."
    return kept + ELLIPSIS


@dataclass
class Answer:
    """One message to post: at most one embed, plain content, the vote buttons' clip id, ephemeral or not."""

    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    clip_id: str | None = None  # set: the message carries vote buttons for this clip
    ephemeral: bool = False


def embed_size(embed: dict[str, Any]) -> int:
    """The characters Discord counts towards 6000: title, description, field names and values, footer, author."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return total


def fit(embed: dict[str, Any]) -> dict[str, Any]:
    """The embed within every limit: each part shortened, then fields dropped from the end until 6000 fits."""
    out = dict(embed)
    if "title" in out:
        out["title"] = shorten(out["title"], TITLE_MAX)
    if "description" in out:
        out["description"] = shorten(out["description"], DESCRIPTION_MAX)
    if "footer" in out:
        out["footer"] = {"text": shorten(out["footer"]["text"], FOOTER_MAX)}
    fields = [{"name": shorten(f["name"], FIELD_NAME_MAX) or "-", "value": shorten(f["value"], FIELD_VALUE_MAX)
               or "-", "inline": bool(f.get("inline"))} for f in out.get("fields", [])][:FIELDS_MAX]
    out["fields"] = fields
    if embed_size(out) > EMBED_TOTAL_MAX and "footer" in out:  # the footer is the least worth reading
        out["footer"] = {"text": shorten(out["footer"]["text"], FOOTER_SQUEEZED)}
    while embed_size(out) > EMBED_TOTAL_MAX and out["fields"]:
        out["fields"] = out["fields"][:-1]
    if embed_size(out) > EMBED_TOTAL_MAX:
        spare = EMBED_TOTAL_MAX - (embed_size(out) - len(out.get("description", "")))
        out["description"] = shorten(out.get("description", ""), max(spare, 0))
    if not out["fields"]:
        del out["fields"]
    return out


def _items(lines: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"- {for_discord(line)}" for line in lines)


def check_embed(r: CheckResult) -> dict[str, Any]:
    """The reality check: level in the title, the summary, then what was read and why, each part escaped."""
    s = r.signals
    names = r.names
    level = Level(r.level)
    description = [for_discord(r.summary)]
    if r.clip.title:
        description.append(f"**Title:** {for_discord(r.clip.title)}")
    if not r.clip.fetched and r.clip.fetch_error:
        description.append(f"*Page not read: {for_discord(r.clip.fetch_error)}*")
    model = f"{s.model.name} (from the {s.model.source})" if s.model else "not identified"
    workflow = s.workflow.value + (f" (from the {s.workflow.source})" if s.workflow.source else "")
    shows = ", ".join(names.get(x.id, x.id) for x in s.shown) or "nothing I recognise"
    fields = [
        {"name": "Model", "value": for_discord(model), "inline": True},
        {"name": "Workflow", "value": for_discord(workflow), "inline": True},
        {"name": "Takes", "value": for_discord(s.takes.phrase()), "inline": True},
        {"name": "Prompt", "value": "shared" if s.prompt_disclosed else "not shared", "inline": True},
        {"name": "Shows", "value": for_discord(shows), "inline": False},
    ]
    if r.verdict.reasons:
        fields.append({"name": "Why", "value": _items(r.verdict.reasons)})
    if r.verdict.does_not_tell:
        fields.append({"name": "What this clip does not tell you", "value": _items(r.verdict.does_not_tell)})
    votes = {k: v for k, v in r.community.votes.items() if v}
    if votes:
        fields.append({"name": "Community votes",
                       "value": ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in votes.items())})
    embed: dict[str, Any] = {
        "title": f"Reality check: {level.label}",
        "description": "\n\n".join(description),
        "color": LEVEL_COLOURS.get(level, 0x95A5A6),
        "fields": fields,
        "footer": {"text": f"summary by {r.summary_source}; knowledge base {r.kb_version}"},
    }
    if r.clip.canonical_url.startswith(("https://", "http://")) and len(r.clip.canonical_url) <= 2048:
        embed["url"] = r.clip.canonical_url  # not markdown: the title links to the clip, nothing else can
    return fit(embed)


def text_embed(result: object) -> dict[str, Any]:
    """Any other reply: the console's words, escaped, first line as the title."""
    renderer = RENDERERS.get(type(result))
    if renderer is None:
        raise TypeError(f"no Discord renderer for {type(result).__name__}")
    text = renderer(result).strip("\n")
    first, _, rest = text.partition("\n")
    if not rest.strip():
        return fit({"description": for_discord(first)})
    return fit({"title": for_discord(first), "description": for_discord(rest.strip("\n"))})


def answer(result: object, *, more_links: int = 0) -> Answer:
    """The message for one reply; `more_links` notes the links of a pasted message that were not checked."""
    if isinstance(result, ErrorResult):
        return Answer(content=shorten(for_discord(result.message), CONTENT_MAX), ephemeral=True)
    if isinstance(result, CheckResult):
        embed = check_embed(result)
        note = ""
        if more_links:
            s = "s" if more_links > 1 else ""
            note = f"I checked the first link; the message has {more_links} more link{s}: use /check for each."
        return Answer(content=note, embeds=[embed], clip_id=result.clip_id or None)
    return Answer(embeds=[text_embed(result)])
