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


def _long_checks() -> list:
    """Five checks with everything at its longest and hostile, as a several-link message can bring."""
    from bot.results import CheckResult, ClipInfo, CommunityEvidence, Signals, Takes, Verdict, WorkflowSignal

    signals = Signals(model=None, workflow=WorkflowSignal("unknown"), prompt_disclosed=False, takes=Takes(), shown=())
    checks = []
    for i in range(5):
        reasons = tuple(f"Reason {j} <!channel> & " + "word " * 400 for j in range(20))
        verdict = Verdict(level="mixed", reasons=reasons, claims=(), hidden_weaknesses=(), generalization_traps=(),
                          does_not_tell=reasons)
        clip = ClipInfo(url=f"https://example.org/v/{i}", canonical_url=f"https://example.org/v/{i}?" + "&" * 1900,
                        platform="web", title=f"Clip {i} <!here> " + "&" * 3000)
        checks.append(CheckResult(clip, signals, verdict, CommunityEvidence(), "Long. " * 900, "template", "kb1",
                                  clip_id=short_clip_id(clip.canonical_url)))
    return checks


def test_several_links_make_one_message_within_slack_limits_with_numbered_buttons_under_each_clip() -> None:
    from bot.results import ChecksReply, LinkCheck

    checks = _long_checks()
    items = [LinkCheck(c.clip.url, c) for c in checks]
    items.insert(2, LinkCheck("http://127.0.0.1/<!channel>", ErrorResult("That link points to a numeric IP address.")))
    items.append(LinkCheck(checks[0].clip.url, checks[0]))  # the same clip again: no second row of buttons
    text, blocks = to_message(ChecksReply(tuple(items), left_out=2))
    assert block_errors(blocks) == []
    assert text == "Reality check of 7 links:"
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert ids == [f"votes:{c.clip_id}" for c in checks] and len(set(ids)) == len(ids)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert [s.split(".")[0] for s in sections[1:]] == ["1", "2", "3", "4", "5", "6", "7"]
    assert sections[3].startswith("3. Not checked: http://127.0.0.1/&lt;!channel&gt;: That link points")
    assert not any("<!" in s for s in sections)
    after_third = blocks[blocks.index(next(b for b in blocks if b.get("block_id") == f"votes:{checks[2].clip_id}"))]
    assert [e["text"]["text"] for e in after_third["elements"]][0] == "4. Representative"
    assert blocks[-1]["elements"][0]["text"] == "2 more links in the message left out: use /yuntai check for each."


def test_a_vote_on_one_clip_of_several_puts_the_tally_above_that_clips_buttons_only() -> None:
    from bot.results import ChecksReply, LinkCheck
    from bot.votes import VoteResult

    checks = _long_checks()[:3]
    _, blocks = to_message(ChecksReply(tuple(LinkCheck(c.clip.url, c) for c in checks)))
    votes = {"representative": 0, "cherry_picked": 1, "misleading_workflow": 0, "cant_tell": 0}
    second = checks[1].clip_id
    once = with_tally(blocks, VoteResult(checks[1].clip.canonical_url, second, "cherry_picked", None, votes))
    twice = with_tally(once, VoteResult(checks[1].clip.canonical_url, second, "cherry_picked", None,
                                        {**votes, "representative": 1}))
    ids = [b.get("block_id") for b in twice]
    assert ids.count(f"tally:{second}") == 1 and "tally" not in ids
    assert ids.index(f"tally:{second}") == ids.index(f"votes:{second}") - 1
    assert twice[ids.index(f"tally:{second}")]["elements"][0]["text"].startswith("Votes here: representative 1,")


def test_a_model_reports_chart_path_on_the_bots_machine_is_never_posted() -> None:
    from adapters.discord.embeds import answer
    from bot.results import ModelReport

    report = ModelReport("sora-2", "Sora 2", "OpenAI", "2025", (), "", (), (), (), (),
                         chart_path="/srv/yuntai/cache/charts/model-sora-2-abc.png")
    _, blocks = to_message(report)
    assert "/srv/yuntai" not in str(blocks) and "Sora 2" in str(blocks)
    discord = answer(report)
    assert "/srv/yuntai" not in str(discord.embeds) and discord.image == report.chart_path  # attached instead
