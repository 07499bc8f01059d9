"""Several links in one pasted message: one reply covering each, built in the core for every adapter.

Why: a member who pastes three clips asked one question; the core decides which links count (distinct
clips, at most five), runs each through the same `/check` path and hands back one `ChecksReply`, so
Discord, Slack and the console cannot drift apart on it. A bad link is one item, not the end.
"""

from __future__ import annotations

import asyncio
import logging

from adapters.json_render import to_json
from adapters.text_render import render
from bot.chat import MAX_LINKS_PER_MESSAGE
from bot.policy import CommunitySettings, Requester
from bot.results import CheckResult, ChecksReply, ErrorResult
from tests.bot.test_dispatch import core

YT = "https://youtu.be/dQw4w9WgXcQ"
YT_CANONICAL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"
WATCHED = CommunitySettings("discord:1", watched_channels=frozenset({"c-clips"}))
IN_WATCHED = Requester("discord:1", "u1", channel_id="c-clips")


def run(coro):
    return asyncio.run(coro)


def test_two_links_get_one_reply_holding_both_checks_in_the_order_pasted():
    reply = run(core(WATCHED).handle_message(f"Sora 2 dunks: {YT} and {VIMEO}", IN_WATCHED))
    assert isinstance(reply, ChecksReply) and reply.left_out == 0
    assert [i.link for i in reply.items] == [YT, VIMEO]
    assert [type(i.result) for i in reply.items] == [CheckResult, CheckResult]
    assert [c.clip.canonical_url for c in reply.checks] == [YT_CANONICAL, "https://vimeo.com/76979871"]
    # The caption is the message without its links, the same for each clip: both read the model from it.
    assert [c.signals.model.id if c.signals.model else None for c in reply.checks] == ["sora-2", "sora-2"]


def test_one_link_keeps_the_single_full_answer():
    reply = run(core(WATCHED).handle_message(f"look {YT}", IN_WATCHED))
    assert isinstance(reply, CheckResult) and reply.clip.canonical_url == YT_CANONICAL


def test_the_same_clip_pasted_twice_in_different_forms_counts_once():
    text = f"{YT} {YT_CANONICAL} <{YT}> {VIMEO} https://www.youtube.com/shorts/dQw4w9WgXcQ"
    reply = run(core(WATCHED).handle_message(text, IN_WATCHED))
    assert isinstance(reply, ChecksReply)
    assert [c.clip.canonical_url for c in reply.checks] == [YT_CANONICAL, "https://vimeo.com/76979871"]
    only_dupes = run(core(WATCHED).handle_message(f"{YT} and again {YT_CANONICAL}", IN_WATCHED))
    assert isinstance(only_dupes, CheckResult)  # one distinct clip: the full answer


def test_a_bad_link_among_good_ones_is_one_item_saying_why_and_the_others_are_checked(caplog):
    text = f"{YT} http://127.0.0.1/admin http://localhost:8080/x {VIMEO}"
    with caplog.at_level(logging.INFO, logger="bot.chat"):
        reply = run(core(WATCHED).handle_message(text, IN_WATCHED))
    assert isinstance(reply, ChecksReply)
    kinds = [type(i.result).__name__ for i in reply.items]
    assert kinds == ["CheckResult", "ErrorResult", "ErrorResult", "CheckResult"]
    bad = [i.result.message for i in reply.items if isinstance(i.result, ErrorResult)]
    assert all(m and "went wrong" not in m for m in bad)  # a reason the member can act on, not the apology
    assert "refused /check from u1 in discord:1" in caplog.text  # and a log line for the operator


def test_more_links_than_the_cap_are_left_out_and_counted():
    links = [f"https://vimeo.com/{100000 + i}" for i in range(MAX_LINKS_PER_MESSAGE + 3)]
    reply = run(core(WATCHED).handle_message(" ".join(links), IN_WATCHED))
    assert isinstance(reply, ChecksReply)
    assert [i.link for i in reply.items] == links[:MAX_LINKS_PER_MESSAGE]
    assert reply.left_out == 3
    assert "3 more links in the message left out: use /check for each." in render(reply)


def test_several_links_outside_a_watched_channel_get_no_answer_but_the_context_menu_checks_them():
    chat = core(WATCHED)
    elsewhere = Requester("discord:1", "u1", channel_id="c-general")
    assert run(chat.handle_message(f"{YT} {VIMEO}", elsewhere)) is None
    asked = run(chat.check_links(f"{YT} {VIMEO}", elsewhere))
    assert isinstance(asked, ChecksReply) and len(asked.checks) == 2
    assert isinstance(run(chat.check_links("no link here", elsewhere)), ErrorResult)


def test_the_console_and_json_render_one_compact_line_per_link():
    reply = run(core(WATCHED).handle_message(f"Sora 2 {YT} http://127.0.0.1/x {VIMEO}", IN_WATCHED))
    text = render(reply)
    assert text.splitlines()[0] == "Reality check of 3 links:"
    assert text.count("\n1. ") == 1 and "\n2. Not checked: http://127.0.0.1/x: " in text
    assert f"{YT_CANONICAL}" in text and "model: Sora 2." in text
    data = to_json(reply)
    assert data["type"] == "checks" and data["left_out"] == 0
    assert [c["type"] for c in data["checks"]] == ["check", "error", "check"]
    assert [c["link"] for c in data["checks"]] == [YT, "http://127.0.0.1/x", VIMEO]
    assert data["checks"][0]["clip"]["canonical_url"] == YT_CANONICAL
