"""Hostile titles made inert per platform (issue 7 point 13).

Expected outputs are written out by hand: the point is what a member would see, not what the
function happens to return.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from adapters.escape import for_console, for_discord, for_slack
from adapters.text_render import render, render_check
from helpers.seeded_db import seeded_copy

HOSTILE = "@everyone <@123> <@&5> <!channel> [click](https://x) ||s|| ~~s~~ > q"
ESC = "\x1b[2J\x1b]8;;https://evil\x07link\x1b]8;;\x07 \x9b31m done\x7f"


def test_console_shows_control_characters_instead_of_obeying_them():
    assert for_console(ESC) == "\\x1b[2J\\x1b]8;;https://evil\\x07link\\x1b]8;;\\x07 \\x9b31m done\\x7f"
    assert for_console("line one\n\tline two") == "line one\n\tline two"
    assert for_console("abc\u202eevil\u2066x") == "abcevilx"  # bidi overrides removed
    assert for_console(HOSTILE) == HOSTILE  # harmless in a terminal: left as typed
    assert for_console(for_console(ESC)) == for_console(ESC)


def test_discord_escapes_markdown_and_defuses_mentions():
    assert for_discord(HOSTILE) == (
        "@\u200beveryone \\<@123\\> \\<@&5\\> \\<!channel\\> \\[click\\]\\(https\\://x\\) \\|\\|s\\|\\| "
        "\\~\\~s\\~\\~ \\> q"
    )
    assert for_discord("@here and @Everyone") == "@\u200bhere and @\u200bEveryone"
    assert for_discord("# big\n- item *b* _i_ `c`") == "\\# big\n\\- item \\*b\\* \\_i\\_ \\`c\\`"
    assert for_discord("a\\b") == "a\\\\b"  # a literal backslash stays one
    assert for_discord("\x1b[31m") == "\\\\x1b\\[31m"


def test_slack_escapes_its_three_control_characters():
    assert for_slack(HOSTILE) == (
        "@everyone &lt;@123&gt; &lt;@&amp;5&gt; &lt;!channel&gt; [click](https://x) ||s|| ~~s~~ &gt; q"
    )
    assert for_slack("<https://evil|Sora docs> & more") == "&lt;https://evil|Sora docs&gt; &amp; more"
    assert for_slack("\x1b[31m") == "\\x1b[31m"


@pytest.fixture
def result(tmp_path):
    from adapters.wiring import build_app
    from bot.config import Settings
    from bot.ports import Actor
    from bot.service import CheckRequest

    app = build_app(Settings(database_url=seeded_copy(tmp_path / 'e.db')), fetch=False)
    r = asyncio.run(app.checks.check(CheckRequest("https://youtu.be/dQw4w9WgXcQ", caption="Sora forest",
                                                  fetch=False), Actor("console:local", "u")))
    return dataclasses.replace(r, clip=dataclasses.replace(r.clip, title=f"{HOSTILE} {ESC}"))


def test_the_text_renderer_never_prints_a_raw_escape(result):
    for text in (render_check(result), render(result)):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\x7f" not in text
        assert f"  title: {HOSTILE} \\x1b[2J" in text


def test_private_use_surrogate_and_unassigned_characters_are_dropped_outside_ascii():
    # each one alone: a terminal may draw a private-use glyph (a fake icon), a lone surrogate breaks the output's
    # encoding, an unassigned code point can become anything in a later Unicode version
    for odd in ("\ue000", "\U000f0000", "\ud800", "\u0378"):
        assert for_console(f"caf\u00e9 {odd}ok\n\tnext") == "caf\u00e9 ok\n\tnext", repr(odd)
        assert for_discord(f"\u00e9{odd}") == "\u00e9" and for_slack(f"\u00e9{odd}") == "\u00e9"
