"""The Discord renderer: every payload inside Discord's limits, cut at sentence or item boundaries, escaped.

Why: Discord refuses a whole message for one character over a limit, and whatever a stranger wrote
(titles, captions) must never become a ping or a disguised link in a community's channel.
"""

from __future__ import annotations

import dataclasses

from adapters.discord.embeds import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    TITLE_MAX,
    answer,
    check_embed,
    embed_size,
    fit,
    shorten,
)
from bot.results import (
    CheckResult,
    ChecksReply,
    ClipInfo,
    CommunityEvidence,
    ErrorResult,
    HelpResult,
    LinkCheck,
    Signals,
    Takes,
    Verdict,
    WorkflowSignal,
)
from helpers import discord_rules


def make_check(*, title: str | None = "A dunk", summary: str = "A good take.", reasons: tuple[str, ...] = (),
               does_not_tell: tuple[str, ...] = (), clip_id: str = "abcdefghijkl") -> CheckResult:
    signals = Signals(model=None, workflow=WorkflowSignal("unknown"), prompt_disclosed=False, takes=Takes(),
                      shown=())
    verdict = Verdict(level="showcase", reasons=reasons, claims=(), hidden_weaknesses=(), generalization_traps=(),
                      does_not_tell=does_not_tell)
    clip = ClipInfo(url="https://youtu.be/x", canonical_url="https://www.youtube.com/watch?v=x", platform="youtube",
                    title=title)
    return CheckResult(clip, signals, verdict, CommunityEvidence(), summary, "template", "kb1", clip_id=clip_id)


def test_shorten_keeps_short_text_and_cuts_long_text_at_the_last_sentence_that_fits() -> None:
    assert shorten("Short.", 10) == "Short."
    text = "First sentence here. Second sentence is longer. Third one."
    assert shorten(text, 50) == "First sentence here. Second sentence is longer..."
    assert shorten(text, 30) == "First sentence here..."


def test_shorten_prefers_whole_items_of_a_list() -> None:
    text = "- one reason\n- two reasons here\n- three reasons that do not fit"
    assert shorten(text, 40) == "- one reason\n- two reasons here..."


def test_shorten_falls_back_to_a_word_and_never_splits_an_escape() -> None:
    assert shorten("abcdefghij klmnopqrstuvwxyz", 15) == "abcdefghij..."
    assert shorten("x" * 20, 10) == "xxxxxxx..."
    assert shorten("word \\@", 7) == "word \\@"
    assert shorten("aaaaaaaaa\\*bbbb", 13) == "aaaaaaaaa..."


def test_fit_respects_every_limit_and_the_total() -> None:
    huge = {
        "title": "T" * 300,
        "description": "Sentence. " * 600,
        "fields": [{"name": f"field {i}", "value": "v " * 700} for i in range(30)],
        "footer": {"text": "f" * 3000},
    }
    out = fit(huge)
    assert len(out["title"]) == TITLE_MAX and out["title"].endswith("...")
    assert len(out["description"]) <= DESCRIPTION_MAX and out["description"].endswith("Sentence...")
    assert len(out["fields"]) <= FIELDS_MAX
    assert all(len(f["value"]) <= FIELD_VALUE_MAX for f in out["fields"])
    assert embed_size(out) <= EMBED_TOTAL_MAX
    assert len(out["footer"]["text"]) == 200  # squeezed before any field is dropped
    assert len(out["fields"]) == 1
    # The fields kept are the first ones, in order: the last are dropped to fit 6000.
    assert [f["name"] for f in out["fields"]] == [f"field {i}" for i in range(len(out["fields"]))]


def test_a_check_with_a_hostile_title_and_summary_is_escaped_and_links_only_in_the_url() -> None:
    hostile = "@everyone <@&555> [free nitro](https://evil.example) ||spoiler||"
    embed = check_embed(make_check(title=hostile, summary=f"{hostile} summary."))
    assert "@everyone" not in embed["description"]
    assert "@\u200beveryone" in embed["description"]
    assert "<@&555>" not in embed["description"] and "\\<@&555\\>" in embed["description"]
    assert "[free nitro](" not in embed["description"]
    assert "\\|\\|spoiler\\|\\|" in embed["description"]
    assert embed["url"] == "https://www.youtube.com/watch?v=x"
    assert embed["title"] == "Reality check: " + embed["title"].removeprefix("Reality check: ")
    assert embed["footer"] == {"text": "summary by template; knowledge base kb1"}


def test_a_check_with_very_many_reasons_stays_within_limits_and_ends_on_a_whole_reason() -> None:
    reasons = tuple(f"Reason number {i} explains something at some length, with a source." for i in range(60))
    embed = check_embed(make_check(reasons=reasons, does_not_tell=reasons, summary="Long. " * 900))
    assert embed_size(embed) <= EMBED_TOTAL_MAX
    why = next(f for f in embed["fields"] if f["name"] == "Why")
    assert len(why["value"]) <= FIELD_VALUE_MAX
    assert why["value"].endswith("with a source...")  # whole reasons only, then the ellipsis
    assert why["value"].splitlines()[0] == "- Reason number 0 explains something at some length, with a source."


def test_answers_carry_vote_buttons_for_checks_and_errors_are_ephemeral_text() -> None:
    check = answer(make_check())
    assert check.votes == (("abcdefghijkl", ""),) and check.content == ""
    error = answer(ErrorResult("That is not a link @everyone " + "x" * 3000))
    assert error.ephemeral and not error.embeds and error.votes == ()
    assert len(error.content) <= CONTENT_MAX and "@\u200beveryone" in error.content
    help_ = answer(HelpResult((("/check <link>", "check a clip"),), "I check demos."))
    assert help_.votes == () and len(help_.embeds) == 1
    assert "check a clip" in help_.embeds[0]["description"]


def _long_check(i: int) -> CheckResult:
    """A check with everything at its longest: a huge hostile title, many long reasons, a long summary."""
    reasons = tuple(f"Reason {j} of clip {i} @everyone is long " + "word " * 80 + "." for j in range(30))
    check = make_check(title=f"Clip {i} <@&555> [x](https://evil.example) " + "T" * 3000, reasons=reasons,
                       does_not_tell=reasons, summary="Long. " * 900, clip_id=f"clip{'abcde'[i]}abcdefgh")
    clip = ClipInfo(url=f"https://youtu.be/v{i}", canonical_url=f"https://www.youtube.com/watch?v=v{i}" + "x" * 900,
                    platform="youtube", title=check.clip.title)
    return dataclasses.replace(check, clip=clip)


def test_five_long_checks_make_one_message_within_every_discord_limit_with_a_button_row_each() -> None:
    items = tuple(LinkCheck(f"https://youtu.be/v{i}", _long_check(i)) for i in range(5))
    reply = answer(ChecksReply(items, left_out=3))
    assert discord_rules.message_problems({"content": reply.content, "embeds": reply.embeds}) == []
    assert sum(embed_size(e) for e in reply.embeds) <= EMBED_TOTAL_MAX - 5 * 100  # room left for five tallies
    assert [e["title"].split(".")[0] for e in reply.embeds] == ["1", "2", "3", "4", "5"]
    assert [e["url"] for e in reply.embeds] == [i.result.clip.canonical_url for i in items]
    assert all(e["description"].startswith("**Clip ") for e in reply.embeds)
    assert all("Why: Reason 0" in e["description"] for e in reply.embeds)  # the key reason is the first one
    assert not any("@everyone" in e["description"] or "<@&555>" in e["description"] for e in reply.embeds)
    assert reply.votes == tuple((i.result.clip_id, f"{n}.") for n, i in enumerate(items, 1))
    assert "3 more links in the message left out: use /check for each." in reply.content


def test_a_failed_link_is_one_embed_saying_why_and_gets_no_buttons() -> None:
    items = (LinkCheck("https://youtu.be/a", make_check(clip_id="aaaaaaaaaaaa")),
             LinkCheck("http://127.0.0.1/@everyone", ErrorResult("That link points to a numeric IP address.")),
             LinkCheck("https://youtu.be/b", make_check(clip_id="bbbbbbbbbbbb")))
    reply = answer(ChecksReply(items))
    assert [e["title"] for e in reply.embeds] == ["1. SHOWCASE: presumed the best of several takes", "2. Not checked",
                                                  "3. SHOWCASE: presumed the best of several takes"]
    assert "numeric IP address" in reply.embeds[1]["description"] and "url" not in reply.embeds[1]
    assert "@everyone" not in reply.embeds[1]["description"]
    assert reply.votes == (("aaaaaaaaaaaa", "1."), ("bbbbbbbbbbbb", "3.")) and not reply.ephemeral


def test_the_vote_rows_fit_discords_components_and_repeat_no_custom_id() -> None:
    from adapters.discord.votes import vote_view

    rows = [(f"clip{c}abcdefgh", f"{n}.") for n, c in enumerate("abcdef", 1)] + [("clipaabcdefgh", "7.")]
    components = vote_view(*rows).to_components()
    assert discord_rules.component_problems(components) == []
    ids = [b["custom_id"] for row in components for b in row["components"]]
    assert len(components) == 5 and len(ids) == 20 and len(set(ids)) == 20
    assert [b["label"] for b in components[1]["components"]] == ["2. Representative", "2. Cherry-picked",
                                                                 "2. Misleading workflow", "2. Can't tell"]
    assert all(len(i) <= 100 for i in ids)
