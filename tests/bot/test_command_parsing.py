"""Typed text to commands, by the definitions: the one parser the console and Slack share."""

from __future__ import annotations

import pytest

from bot.commands import REGISTRY
from bot.parsing import CommandSyntaxError, convert, parse, split_link, split_links, tokenize, unwrap_link

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


def words(text: str) -> list[tuple[str, bool]]:
    return [(w.text, w.quoted) for w in tokenize(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # a quote closes only where a word ends: the apostrophe of "don't" does not close it
    ("'don't go' now", [("don't go", True), ("now", False)]),
    # a quote at the very end closes the word
    ("check 'a cat'", [("check", False), ("a cat", True)]),
    # a possessive before a quoted phrase is not its closing quote
    ("the dogs' 'best friend' award", [("the", False), ("dogs'", False), ("best friend", True), ("award", False)]),
    # the first closing quote ends the word, not the last one in the line
    ("'a' and 'b'", [("a", True), ("and", False), ("b", True)]),
    # a quote followed by another quote is skipped by one character only
    ("'a'' b", [("a'", True), ("b", False)]),
])
def test_quotes_group_words_up_to_the_first_quote_that_ends_a_word(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(("line", "expected"), [
    # what /kb add hands its second definition must group the same way when read again
    ("kb add model wan Name:'Wan 2.5' wan25", [("wan", False), ("--Name", False), ("Wan 2.5", True),
                                               ("wan25", False)]),
    ("kb update model wan --name='Wan 2.5' wan25", [("wan", False), ("--name", False), ("Wan 2.5", True),
                                                    ("wan25", False)]),
    ("kb add model wan name:'Wan \"2\"' x", [("wan", False), ("--name", False), ('Wan "2"', True), ("x", False)]),
    ("kb add model wan name:'say \"hi\" now' x", [("wan", False), ("--name", False), ('say "hi" now', True),
                                                 ("x", False)]),
    ("kb add claim wan flip weakness https://example.com/a \"the dogs' bowl\" tips",
     [("wan", False), ("flip", False), ("weakness", False), ("https://example.com/a", False),
      ("the dogs' bowl", True), ("tips", False)]),
    ("kb add claim wan flip weakness https://example.com/a note:'two\nlines'",
     [("wan", False), ("flip", False), ("weakness", False), ("https://example.com/a", False), ("--note", False),
      ("two\nlines", True)]),
    ("kb add claim wan flip weakness https://example.com/a Xmas:'big tree'",
     [("wan", False), ("flip", False), ("weakness", False), ("https://example.com/a", False), ("--Xmas", False),
      ("big tree", True)]),
])
def test_kb_details_keep_their_quoted_groups_for_the_second_reading(line, expected):
    assert words(values(line)["details"]) == expected


@pytest.mark.parametrize(("line", "message"), [
    ("tried", "/tried needs a model name. Usage: /tried <model> <capability> <tries> <usable> [note]"),
    (f"check {YT} --workflow", "--workflow needs a value: --workflow text-to-video"),
    (f"check {YT} --model", "--model needs a value: --model 'Kling 1.6'"),
    (f"check {YT} --caption", "--caption needs a value: --caption VALUE"),
    ("kb add frob x", "'frob' is not a kind: use one of model, capability, claim."),
    ("kb add " + "m" * 40 + " x", f"{'m' * 30!r} is not a kind: use one of model, capability, claim."),
    ("x" * 40, f"I don't know /{'x' * 30}. Try /help."),
])
def test_mistakes_word_for_word(line, message):
    with pytest.raises(CommandSyntaxError) as err:
        parse(REGISTRY, line)
    assert str(err.value) == message


def test_a_pasted_link_glued_to_words_leaves_them_in_the_caption():
    assert split_link(f"see:{YT} now") == (YT, "see: now")
    assert split_links(f"see:{YT} now") == ([YT], "see: now")
    # a quoted word before the link is caption, not the end of the search
    assert split_link(f"'my clip' {YT} now") == (YT, "my clip now")


def test_split_links_takes_wrappers_whole_and_leaves_quoted_links_alone():
    assert split_links(f"<{YT}|my clip> nice") == ([YT], "nice")
    assert split_links(f'"{YT}" was quoted') == ([], f"{YT} was quoted")


def test_split_links_takes_every_copy_of_a_glued_link_out_of_the_caption():
    # defect: find_links names a link once, and only its first copy was taken out of the caption
    assert split_links(f'{YT}"{YT} x') == ([YT], '" x')
    # the longer link is taken out whole, not cut by a copy of its prefix
    assert split_links(f'{YT}"{YT}&t=1 x') == ([YT, f"{YT}&t=1"], '" x')
    # a link that holds another one inside it (not at its start) is also taken out whole
    inside = "https://example.com/?v=youtu.be/dQw4w9WgXcQ"
    assert split_links(f'youtu.be/dQw4w9WgXcQ"{inside} x') == (["youtu.be/dQw4w9WgXcQ", inside], '" x')


def test_split_link_takes_the_first_copy_and_leaves_what_follows_it():
    assert split_link(f'{YT}"{YT} x') == (YT, f'"{YT} x')


@pytest.mark.parametrize(("line", "message"), [
    ("", "Which command? Try /help."),
    ("kb", "/kb needs one of: add, update, retire, history, undo."),
    ("digest " + "p" * 40, f"/digest needs one of: preview. {'p' * 30!r} is not one of them."),
    ("help " + "w" * 70, f"I didn't understand {'w' * 60!r} in /help. Usage: /help"),
    ("kb undo 0", "change_id must be at least 1."),
    ("kb undo 2147483648", "change_id must be at most 2,147,483,647."),
    ("kb undo " + "z" * 30, f"change_id must be a whole number, not {'z' * 20!r}."),
    # a mention is never the link, even when its label holds one
    (f"check <@U1|see {YT}>", "/check needs a clip link. Usage: /check <link> [caption] [model:…] [workflow:…]"),
])
def test_more_mistakes_word_for_word(line, message):
    with pytest.raises(CommandSyntaxError) as err:
        parse(REGISTRY, line)
    assert str(err.value) == message


def test_a_group_without_its_subcommand_is_named_as_typed_here():
    with pytest.raises(CommandSyntaxError) as err:
        parse(REGISTRY, "kb", "/yuntai ")
    assert str(err.value) == "/yuntai kb needs one of: add, update, retire, history, undo."


@pytest.mark.parametrize("typed", ["2147483647", "1,000", "1_000"])
def test_whole_numbers_up_to_the_maximum_with_digit_groups(typed):
    assert values(f"kb undo {typed}")["change_id"] == int(typed.replace(",", "").replace("_", ""))


@pytest.mark.parametrize("link", [
    "youtu.be/dQw4w9WgXcQ",  # no scheme: still the link
    "ftp://example.com/clip.mp4",  # taken as the link so the check can refuse it
    "JavaScript:alert(1)", "data:text/html,hi", "file:/etc/passwd",
])
def test_what_is_taken_as_the_link_wherever_it_stands(link):
    v = values(f"check a cat {link} eats")
    assert (v["link"], v["caption"]) == (link, "a cat eats")


def test_a_quoted_word_is_caption_text_even_when_it_looks_like_an_option():
    v = values(f"check {YT} 'model:Sora' is a caption")
    assert (v["model"], v["caption"]) == (None, "model:Sora is a caption")
    # a quoted caption word keeps no quotes (only /kb details are re-quoted for their second reading)
    assert values(f"check {YT} 'a cat' eats")["caption"] == "a cat eats"


def test_an_empty_named_value_does_not_swallow_the_next_word():
    v = values(f"check {YT} --model= a cat")
    assert (v["model"], v["caption"]) == (None, "a cat")


def test_blank_structured_values_are_left_out():
    check = REGISTRY.resolve(("check",))
    assert convert(check, {"link": YT, "model": "   ", "caption": ""}, "/check") == {
        "link": YT, "caption": None, "model": None, "workflow": None}
    with pytest.raises(CommandSyntaxError, match="needs a clip link"):
        convert(check, {"link": "  "}, "/check")


@pytest.mark.parametrize(("text", "expected"), [
    ("Xmas tree", [("Xmas", False), ("tree", False)]),
    ("“a cat” eats", [("a cat", True), ("eats", False)]),  # curly double quotes
    ("‘a cat’ eats", [("a cat", True), ("eats", False)]),  # curly single quotes
    ('check " Sora 2 " x', [("check", False), (" Sora 2 ", True), ("x", False)]),  # a quote opening on a space
    ('"" x', [("", True), ("x", False)]),  # an empty pair of quotes is one empty word
    ("<@U1> <#C1|general> hi", [("<@U1>", False), ("<#C1|general>", False), ("hi", False)]),
    (f"<{YT}>, nice", [(f"<{YT}>", False), (",", False), ("nice", False)]),  # the wrapper ends at its ">"
    ("a <b c", [("a", False), ("<b", False), ("c", False)]),  # an unclosed "<" is an ordinary word
    ("Model:'Kling 1.6' x", [("Model:Kling 1.6", True), ("x", False)]),  # names in any case
    ("the dogs' caption:'a cat' x", [("the", False), ("dogs'", False), ("caption:a cat", True), ("x", False)]),
])
def test_how_words_are_split(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(("word", "inner"), [
    (f"<{YT}|my clip|and more>", YT),  # the label may hold "|" itself
    (f"<{YT}", f"<{YT}"),  # unclosed: not a wrapper
    (f"{YT}>", f"{YT}>"),
])
def test_unwrap_link(word, inner):
    assert unwrap_link(word) == inner


def test_an_unclosed_quote_is_an_ordinary_character():
    assert words("'a cat eats") == [("'a", False), ("cat", False), ("eats", False)]
    assert words(" 'a cat") == [("'a", False), ("cat", False)]


def test_an_empty_line_points_to_help_as_typed_here():
    with pytest.raises(CommandSyntaxError) as err:
        parse(REGISTRY, "  ", "/yuntai ")
    assert str(err.value) == "Which command? Try /yuntai help."
