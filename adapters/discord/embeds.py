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
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.escape import for_discord
from adapters.text_render import COMPACT_LINK, COMPACT_REASON, COMPACT_TITLE, RENDERERS, clipped, left_out_note
from bot.digest import WeeklyDigest
from bot.levels import Level
from bot.results import CheckResult, ChecksReply, ErrorResult, LinkCheck, ModelReport

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
FOOTER_SQUEEZED = 200  # what the footer keeps when the whole embed is over 6000
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
EMBEDS_MAX = 10  # embeds a message; the 6000 characters are counted across all of them
TALLY_ROOM = 120  # kept free in each compact embed for the "Community votes" field a vote adds
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
    """One message to post: its content and embeds, the vote rows it carries, a chart to attach, ephemeral or not."""

    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    votes: tuple[tuple[str, str], ...] = ()  # (clip id, tag on its buttons): one row of vote buttons each
    image: str | None = None  # a PNG on this machine, attached as the first embed's image when it can be read
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


def compact_embed(number: int, item: LinkCheck, room: int) -> dict[str, Any]:
    """One link of a several-link answer: level and number in the title (linking to the clip), then the
    clip's title, model and key reason, in at most `room` characters (the 6000 are shared by all embeds)."""
    r = item.result
    if not isinstance(r, CheckResult):
        title = f"{number}. Not checked"
        text = f"{for_discord(clipped(item.link, COMPACT_LINK))}\n{for_discord(r.message)}"
        embed: dict[str, Any] = {"title": title, "description": text, "color": LEVEL_COLOURS[Level.UNKNOWN]}
    else:
        level = Level(r.level)
        named = (f"**{for_discord(clipped(r.clip.title, COMPACT_TITLE))}**" if r.clip.title
                 else f"a {for_discord(r.clip.platform)} clip")
        lines = [named, f"Model: {for_discord(r.signals.model.name) if r.signals.model else 'not identified'}"]
        if r.verdict.reasons:
            lines.append(f"Why: {for_discord(clipped(r.verdict.reasons[0], COMPACT_REASON))}")
        embed = {"title": f"{number}. {level.label}", "description": "\n".join(lines),
                 "color": LEVEL_COLOURS.get(level, 0x95A5A6)}
        if r.clip.canonical_url.startswith(("https://", "http://")) and len(r.clip.canonical_url) <= 2048:
            embed["url"] = r.clip.canonical_url
    embed["title"] = shorten(embed["title"], TITLE_MAX)
    embed["description"] = shorten(embed["description"], max(room - len(embed["title"]), 0))
    return embed


def checks_answer(r: ChecksReply) -> Answer:
    """Several links, one message: a numbered compact embed per link and a row of numbered vote buttons per clip.

    Why embeds rather than fields of one embed: each embed's title links to its own clip (a field cannot
    link without markdown a stranger's URL could abuse), and a vote updates the tally of its own clip.
    """
    shown = r.items[:EMBEDS_MAX]
    room = EMBED_TOTAL_MAX // max(len(shown), 1) - TALLY_ROOM
    embeds = [compact_embed(n, item, room) for n, item in enumerate(shown, 1)]
    votes = tuple((item.result.clip_id, f"{n}.") for n, item in enumerate(shown, 1)
                  if isinstance(item.result, CheckResult) and item.result.clip_id)
    lines = [f"Reality check of {len(shown)} links" + (": vote on each with its numbered buttons." if votes else ".")]
    left_out = r.left_out + len(r.items) - len(shown)
    if left_out:
        lines.append(left_out_note(left_out))
    return Answer(content="\n".join(lines), embeds=embeds, votes=votes)


def answer(result: object) -> Answer:
    """The message for one reply."""
    if isinstance(result, ErrorResult):
        return Answer(content=shorten(for_discord(result.message), CONTENT_MAX), ephemeral=True)
    if isinstance(result, CheckResult):
        return Answer(embeds=[check_embed(result)], votes=((result.clip_id, ""),) if result.clip_id else ())
    if isinstance(result, ChecksReply):
        return checks_answer(result)
    if isinstance(result, ModelReport):  # the chart is attached, its path on this machine is nobody's business
        return Answer(embeds=[text_embed(replace(result, chart_path=None))], image=result.chart_path)
    if isinstance(result, WeeklyDigest):
        return Answer(embeds=[text_embed(replace(result, chart=None))],
                      image=str(result.chart) if result.chart is not None else None)
    return Answer(embeds=[text_embed(result)])
