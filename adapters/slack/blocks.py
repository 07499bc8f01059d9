"""Core replies as Block Kit messages that Slack accepts, with nothing in them that notifies anyone.

Commands a reply names are spelled `/yuntai kb add` (`PREFIX`): the core spells those in its own
messages from the requester's `command_prefix`, the shared renderer from the prefix given here.

Why the plain-text renderer underneath: every platform shows the same words, decided once in
`adapters/text_render.py`; this module only cuts them to Slack's limits (50 blocks, 3,000 characters
a section, https://api.slack.com/reference/block-kit/blocks, read 2026-11-27) and escapes `&`, `<`
and `>` last (`for_slack`), so a title saying `<!channel>` is shown, not obeyed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.escape import for_slack
from adapters.text_render import compact_line, left_out_note, render
from bot.digest import WeeklyDigest
from bot.results import VOTE_VALUES, CheckResult, ChecksReply, ModelReport
from bot.votes import VoteResult

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION = 3000
RAW_PIECE = 600  # escaping turns one character into at most five (`&amp;`): 600 stay within 3,000
FALLBACK = 300  # the notification text: the first line, shortened
VOTE_PREFIX = "vote"
VOTE_LABELS = {"representative": "Representative", "cherry_picked": "Cherry-picked",
               "misleading_workflow": "Misleading workflow", "cant_tell": "Can't tell"}
COMMAND = "/yuntai"
PREFIX = f"{COMMAND} "  # every command is a subcommand of the app's one slash command (`bot.spelling`)
CUT_NOTE = "(cut here: the full answer is longer than a Slack message holds)"


def vote_action_id(clip_id: str, label: str) -> str:
    return f"{VOTE_PREFIX}:{clip_id}:{label}"


def parse_vote(action_id: str) -> tuple[str, str] | None:
    """(clip id, label) from a button's `action_id`; None when it is not one of ours."""
    parts = action_id.split(":")
    if len(parts) != 3 or parts[0] != VOTE_PREFIX or parts[2] not in VOTE_VALUES or not parts[1]:
        return None
    return parts[1], parts[2]


def _sections(text: str) -> list[str]:
    """Escaped pieces of at most 3,000 characters, cut between lines where a line allows it."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        parts = [for_slack(line[i:i + RAW_PIECE]) for i in range(0, len(line), RAW_PIECE)] or [""]
        for part in parts:
            joined = f"{current}\n{part}" if current else part
            if len(joined) <= MAX_SECTION:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [" "]


def vote_buttons(clip_id: str, tag: str = "") -> Block:
    return {"type": "actions", "block_id": f"votes:{clip_id}", "elements": [
        {"type": "button", "action_id": vote_action_id(clip_id, label), "value": f"{clip_id}:{label}",
         "text": {"type": "plain_text", "text": f"{tag} {VOTE_LABELS[label]}" if tag else VOTE_LABELS[label]}}
        for label in VOTE_VALUES]}


def checks_blocks(reply: ChecksReply) -> tuple[str, list[Block]]:
    """Several links, one threaded reply: each link's compact line with its own vote buttons right under it.

    At most five links (the core's cap) make 2 + 5 x 2 blocks, far inside 50; each line is escaped and
    cut to one section. A clip id seen before gets no second row (Slack refuses repeated block ids).
    """
    head = f"Reality check of {len(reply.items)} links:"
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": for_slack(head)}}]
    seen: set[str] = set()
    for n, item in enumerate(reply.items, 1):
        if len(blocks) > MAX_BLOCKS - 3:
            break
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _sections(f"{n}. {compact_line(item)}")[0]}})
        clip = item.result.clip_id if isinstance(item.result, CheckResult) else ""
        if clip and clip not in seen:
            seen.add(clip)
            blocks.append(vote_buttons(clip, f"{n}."))
    if reply.left_out:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": for_slack(left_out_note(
            reply.left_out, PREFIX))}]})
    return for_slack(head), blocks[:MAX_BLOCKS]


def without_chart_path(reply: object) -> object:
    """The reply without the server's chart file path: on Slack the chart itself is shared as a file."""
    if isinstance(reply, ModelReport) and reply.chart_path:
        return replace(reply, chart_path=None)
    if isinstance(reply, WeeklyDigest) and reply.chart is not None:
        return replace(reply, chart=None)
    return reply


def to_message(reply: object, *, buttons: bool = True) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for `reply`; a check gets vote buttons carrying its short clip id."""
    if isinstance(reply, ChecksReply):
        return checks_blocks(reply)
    reply = without_chart_path(reply)
    body = render(reply, PREFIX)
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in _sections(body)]
    room = MAX_BLOCKS - 2  # the cut note and the buttons always fit
    if len(blocks) > room:
        blocks = blocks[:room] + [{"type": "context", "elements": [{"type": "mrkdwn", "text": CUT_NOTE}]}]
    if buttons and isinstance(reply, CheckResult) and reply.clip_id:
        blocks.append(vote_buttons(reply.clip_id))
    first = body.split("\n", 1)[0]
    return for_slack(first[:FALLBACK]) or " ", blocks


def tally_block(reply: object) -> Block:
    """The community's tally, shown under the check in place of the previous one (never whose vote it was)."""
    if isinstance(reply, VoteResult):
        text = "Votes here: " + ", ".join(f"{label.replace('_', ' ')} {n}" for label, n in reply.votes.items())
    else:
        text = _sections(render(reply))[0]
    return {"type": "context", "block_id": "tally", "elements": [{"type": "mrkdwn", "text": text}]}


def with_tally(blocks: list[Block], reply: object) -> list[Block]:
    """The clicked message's blocks with its tally block replaced (or added before the buttons).

    A message answering several links has a row of buttons per clip: the tally goes above the voted
    clip's own row, under its own block id, so one clip's votes never read as another's.
    """
    rows = [b.get("block_id") for b in blocks if str(b.get("block_id", "")).startswith("votes:")]
    if len(rows) > 1 and isinstance(reply, VoteResult) and f"votes:{reply.clip_id}" in rows:
        own, anchor = f"tally:{reply.clip_id}", f"votes:{reply.clip_id}"
        kept = [b for b in blocks if b.get("block_id") != own]
        at = next(i for i, b in enumerate(kept) if b.get("block_id") == anchor)
        kept.insert(at, {**tally_block(reply), "block_id": own})
        return kept[:MAX_BLOCKS]
    kept = [b for b in blocks if b.get("block_id") != "tally"]
    at = next((i for i, b in enumerate(kept) if b.get("type") == "actions"), len(kept))
    kept.insert(at, tally_block(reply))
    return kept[:MAX_BLOCKS]
