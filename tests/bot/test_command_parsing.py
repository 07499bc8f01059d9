"""Typed text to commands, by the definitions: the one parser the console and Slack share."""

from __future__ import annotations

import pytest

from bot.commands import REGISTRY
from bot.parsing import CommandSyntaxError, parse, split_link, tokenize

YT = "https://youtu.be/dQw4w9WgXcQ"


def values(line: str) -> dict:
    return parse(REGISTRY, line).values


def test_a_named_caption_and_loose_words_keep_their_space():
    # defect: "a womaneating noodles"
    assert values(f"check {YT} --caption 'a woman' eating noodles")["caption"] == "a woman eating noodles"
    # defect: "helloworld"
    assert values(f"check {YT} caption:hello world")["caption"] == "hello world"


def test_a_caption_word_that_looks_like_an_option_stays_a_word():
    # defect: "Model:" was taken for an empty option and vanished
    v = values(f"check {YT} Model: Sora, a woman eating noodles")
    assert v["caption"] == "Model: Sora, a woman eating noodles"
    assert v["model"] is None


def test_named_options_in_every_spelling():
    v = values(f"check {YT} --model 'Kling 1.6' workflow:i2v a cat")
    assert (v["model"], v["workflow"], v["caption"]) == ("Kling 1.6", "image-to-video", "a cat")
    v = values(f"check --model=Veo {YT} --workflow text-to-video")
    assert (v["link"], v["model"], v["workflow"], v["caption"]) == (YT, "Veo", "text-to-video", None)


def test_apostrophes_in_a_caption_are_kept():
    assert values(f"check {YT} it's a woman's hat, don't ask")["caption"] == "it's a woman's hat, don't ask"


def test_the_link_is_found_wherever_it_stands_and_optional_options_are_never_positional():
    v = values(f"check Sora 2. A woman eating noodles. {YT}")
    assert v["link"] == YT and v["model"] is None and v["workflow"] is None
    assert v["caption"] == "Sora 2. A woman eating noodles."


@pytest.mark.parametrize("wrapped", [f"<{YT}|my clip>", f"<{YT}>", f"[my clip]({YT})"])
def test_chat_wrappers_leave_no_residue(wrapped):
    v = values(f"check {wrapped} a cat eating")
    assert v["link"] == YT and v["caption"] == "a cat eating"
    link, caption = split_link(f"look {wrapped} a cat eating")
    assert link == YT and caption == "look a cat eating"


def test_a_slack_label_with_spaces_is_one_word():
    assert [w.text for w in tokenize(f"check <{YT}|a long label> hi")] == ["check", f"<{YT}|a long label>", "hi"]


def test_mentions_are_not_links():
    link, caption = split_link("<@U123> <#C1|general> nothing to see")
    assert link is None


@pytest.mark.parametrize(("line", "fragment"), [
    (f"check {YT} --model", "--model needs a value"),
    (f"check {YT} model:a model:b", "model was given twice"),
    (f"check {YT} workflow:sideways", "'sideways' is not a workflow I know"),
    ("chek " + YT, "Did you mean check?"),
    ("check", "needs a clip link"),
    ("digest post", "/digest needs one of: preview. 'post' is not one of them."),
    ("help me please", "I didn't understand 'me please'"),
])
def test_mistakes_get_a_message_that_says_what_would_work(line, fragment):
    with pytest.raises(Exception) as err:  # CommandSyntaxError, or the workflow's own input error
        parse(REGISTRY, line)
    assert fragment in str(err.value)


def test_groups_and_their_default_subcommand():
    assert parse(REGISTRY, "digest").path == ("digest", "preview")
    assert parse(REGISTRY, "digest preview").path == ("digest", "preview")
    assert parse(REGISTRY, "MODEL Kling 1.6").values == {"name": "Kling 1.6"}


def test_syntax_errors_are_input_errors():
    with pytest.raises(CommandSyntaxError):
        parse(REGISTRY, "")
