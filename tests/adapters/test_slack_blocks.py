"""Core replies as Block Kit: within Slack's limits whatever their length, inert whatever their text.

The limits are checked by the fake's own `block_errors` (Slack's documented numbers), not by this
module's constants, so a wrong constant here fails the test.
"""

from __future__ import annotations

from adapters.slack.blocks import parse_vote, to_message, vote_action_id, with_tally
from bot.clip_ids import short_clip_id
from bot.results import ErrorResult, HelpResult, ModelList, UsageResult
from helpers.fake_slack import block_errors


def test_a_very_long_reply_is_cut_to_slack_limits_with_a_note() -> None:
    lines = tuple(f"line {i}: " + "x" * 150 for i in range(2000))  # about 320,000 characters
    text, blocks = to_message(UsageResult(lines))
    assert block_errors(blocks) == []
    assert len(blocks) == 49
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": (
        "(cut here: the full answer is longer than a Slack message holds)")}]}
    assert blocks[0]["text"]["text"].startswith("line 0: xxx")
    assert text == "line 0: " + "x" * 150


def test_one_enormous_line_of_ampersands_stays_under_3000_after_escaping() -> None:
    _, blocks = to_message(ErrorResult("&" * 5000))
    assert block_errors(blocks) == []
    body = "".join(b["text"]["text"] for b in blocks if b["type"] == "section").replace("\n", "")
    assert body == "Sorry: " + "&amp;" * 5000


def test_mentions_links_and_controls_in_reply_text_are_inert() -> None:
    text, blocks = to_message(ErrorResult("<!here> <https://evil.example|click> \x1b[2J"))
    assert text == "Sorry: &lt;!here&gt; &lt;https://evil.example|click&gt; \\x1b[2J"
    assert blocks[0]["text"]["text"] == text


def test_help_is_shown_as_the_core_spelled_it_and_rendered_text_names_yuntai_subcommands() -> None:
    # The core spells help from the requester's command_prefix; the renderer must not spell it again.
    _, blocks = to_message(HelpResult((("/yuntai check <link>", "Check a clip."),)))
    assert "/yuntai check &lt;link&gt;" in blocks[0]["text"]["text"]
    assert "/yuntai yuntai" not in blocks[0]["text"]["text"]
    _, blocks = to_message(ModelList((("sora", "Sora", "OpenAI", 3),)))
    assert blocks[0]["text"]["text"].startswith("Models I know (use /yuntai model NAME for a report):")


def test_vote_ids_round_trip_and_anything_else_is_refused() -> None:
    clip = short_clip_id("https://example.org/v/1")
    assert parse_vote(vote_action_id(clip, "cant_tell")) == (clip, "cant_tell")
    for bad in ("vote", f"vote:{clip}", f"vote:{clip}:great", "vote::representative", f"poll:{clip}:cant_tell",
                f"vote:{clip}:representative:extra"):
        assert parse_vote(bad) is None, bad


def test_a_tally_replaces_the_previous_one_above_the_buttons() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Verdict"}},
              {"type": "actions", "block_id": "votes:x", "elements": []}]
    once = with_tally(blocks, UsageResult(("Votes: 1",)))
    twice = with_tally(once, UsageResult(("Votes: 2 <!channel>",)))
    assert [b.get("block_id") for b in twice] == [None, "tally", "votes:x"]
    assert twice[1]["elements"][0]["text"] == "Votes: 2 &lt;!channel&gt;"
