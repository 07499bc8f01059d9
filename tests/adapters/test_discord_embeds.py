"""The Discord renderer: every payload inside Discord's limits, cut at sentence or item boundaries, escaped.

Why: Discord refuses a whole message for one character over a limit, and whatever a stranger wrote
(titles, captions) must never become a ping or a disguised link in a community's channel.
"""

from __future__ import annotations

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
    ClipInfo,
    CommunityEvidence,
    ErrorResult,
    HelpResult,
    Signals,
    Takes,
    Verdict,
    WorkflowSignal,
)


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
    check = answer(make_check(), more_links=2)
    assert check.clip_id == "abcdefghijkl"
    assert check.content == "I checked the first link; the message has 2 more links: use /check for each."
    error = answer(ErrorResult("That is not a link @everyone " + "x" * 3000))
    assert error.ephemeral and not error.embeds and error.clip_id is None
    assert len(error.content) <= CONTENT_MAX and "@\u200beveryone" in error.content
    help_ = answer(HelpResult((("/check <link>", "check a clip"),), "I check demos."))
    assert help_.clip_id is None and len(help_.embeds) == 1
    assert "check a clip" in help_.embeds[0]["description"]
