"""Model, workflow, prompt and takes signals."""

from __future__ import annotations

import pytest

from bot.signals import (
    ModelMatcher,
    SignalExtractor,
    SignalInput,
    UnknownModel,
    UnknownWorkflow,
    detect_post_production,
    detect_takes,
    detect_workflow,
    normalise_workflow,
    prompt_disclosed,
)


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("made with Sora 2, wow", "sora-2"),
        ("made with #sora2", "sora-2"),
        ("made with Sora, wow", "sora"),
        ("Kling 1.6 is wild", "kling-1"),
        ("kling v1.6 test", "kling-1"),
        ("Kling1.6 test", "kling-1"),
        ("kling 2.1 master", "kling-2"),
        ("Gen-3 Alpha turbo", "runway-gen3"),
        ("gen3 rocks", "runway-gen3"),
        ("#sora #aiart", "sora"),
    ],
)
def test_model_from_text_prefers_longest_alias(tiny_kb, text, model):
    assert ModelMatcher(tiny_kb).find(text)[0][0] == model


def test_model_words_inside_other_words_do_not_match(tiny_kb):
    assert ModelMatcher(tiny_kb).find("sorastar and klingon") == []


def test_resolve_explicit_names_and_suggestions(tiny_kb):
    m = ModelMatcher(tiny_kb)
    assert m.resolve("Kling 1.6").id == "kling-1"
    assert m.resolve("sora-2").id == "sora-2"
    assert m.resolve("  SORA ").id == "sora"
    with pytest.raises(UnknownModel) as err:
        m.resolve("Sorra")
    assert "Sora" in str(err.value)
    with pytest.raises(UnknownModel):
        m.resolve("Banana Diffusion")


def test_model_from_vendor_site(tiny_kb):
    assert ModelMatcher(tiny_kb).from_url("https://sora.com/g/gen_01").id == "sora"
    assert ModelMatcher(tiny_kb).from_url("https://www.youtube.com/watch?v=abc") is None


def test_explicit_model_wins_and_others_are_kept(tiny_kb):
    s = SignalExtractor(tiny_kb).extract(
        SignalInput("https://sora.com/g/x", caption="Kling 1.6 vs Sora 2", model="Gen-3")
    )
    assert s.model.id == "runway-gen3" and s.model.source == "user"
    assert s.other_models == ("sora", "kling-1", "sora-2")


def test_source_order_url_then_caption_then_metadata(tiny_kb):
    ex = SignalExtractor(tiny_kb)
    s = ex.extract(SignalInput("https://www.youtube.com/watch?v=x", caption="kling 2", title="Sora 2 demo"))
    assert (s.model.id, s.model.source) == ("kling-2", "caption")
    s = ex.extract(SignalInput("https://www.youtube.com/watch?v=x", title="Sora 2 demo"))
    assert (s.model.id, s.model.source) == ("sora-2", "metadata")
    s = ex.extract(SignalInput("https://sora.com/g/x", caption="kling 2"))
    assert (s.model.id, s.model.source) == ("sora", "url")


@pytest.mark.parametrize(
    ("text", "workflow"),
    [
        ("img2vid from a Midjourney still", "image-to-video"),
        ("animated an old photo of my grandpa", "image-to-video"),
        ("used a start frame and end frame", "image-to-video"),
        ("Image-to-Video test", "image-to-video"),
        ("restyled my footage", "video-to-video"),
        ("rotoscoped dance", "video-to-video"),
        ("vid2vid experiment", "video-to-video"),
        ("pure text-to-video, no input image", "text-to-video"),
        ("t2v", "text-to-video"),
        ("a cat in the garden", None),
    ],
)
def test_workflow_cues(text, workflow):
    hit = detect_workflow(text)
    assert (hit[0] if hit else None) == workflow


def test_explicit_workflow_wins_and_bad_value_is_refused(tiny_kb):
    s = SignalExtractor(tiny_kb).extract(SignalInput("https://a.example/x", caption="img2vid", workflow="t2v"))
    assert (s.workflow.value, s.workflow.source) == ("text-to-video", "user")
    assert normalise_workflow("Image to Video") == "image-to-video"
    with pytest.raises(UnknownWorkflow):
        normalise_workflow("magic")


@pytest.mark.parametrize(
    ("text", "disclosed", "count"),
    [
        ("best of 12", True, 12),
        ("Best out of twenty", True, 20),
        ("1 of 40 gens", True, 40),
        ("took me 30 tries", True, 30),
        ("first try!", True, 1),
        ("one-shot, no edits", True, 1),
        ("no cherry-picking", True, None),
        ("not cherry picked", True, None),
        ("cherry-picked results", True, None),
        ("a cat", False, None),
    ],
)
def test_takes(text, disclosed, count):
    t = detect_takes(text)
    assert (t.disclosed, t.count) == (disclosed, count)


@pytest.mark.parametrize(
    ("text", "curated", "phrase"),
    [
        ("best of 12", True, "the best of 12 takes"),
        ("first try!", False, "a first take"),
        ("no cherry-picking", False, "not cherry-picked (the number of takes is not given)"),
        ("uncurated outputs", False, "not cherry-picked (the number of takes is not given)"),
        ("cherry-picked results", True, "picked from several takes (how many is not given)"),
        ("a cat", None, "not said"),
    ],
)
def test_takes_say_whether_the_clip_was_selected(text, curated, phrase):
    t = detect_takes(text)
    assert t.curated is curated and t.phrase() == phrase


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prompt: a woman walking in Tokyo", True),
        ("prompt in the comments", True),
        ("full prompt below 👇", True),
        ('"a cinematic shot of a fox in the snow at dawn" was my prompt', True),
        ("prompting is hard", False),
        ("no prompt tricks", False),
    ],
)
def test_prompt_disclosed(text, expected):
    assert prompt_disclosed(text) is expected


def _reference_find(matcher: ModelMatcher, text: str) -> list[tuple[str, str]]:
    """The plain scan the start-position prefilter must agree with."""
    from bot.text import clean

    seen: dict[str, str] = {}
    for m in matcher._regex.finditer(clean(text)):
        seen.setdefault(matcher._groups[m.lastindex - 1], m.group())
    return list(seen.items())


def test_prefiltered_model_search_agrees_with_a_full_scan(tiny_kb):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    matcher = ModelMatcher(tiny_kb)
    pieces = st.sampled_from(["sora", "Sora 2", "kling", " 1.6", "2.1", "gen", "-3", " alpha", "#", "x", " ",
                              "soras", "gen3", "v", ".", "ai", "openai sora"])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(pieces, max_size=12).map("".join))
    def check(text: str) -> None:
        assert matcher.find(text) == _reference_find(matcher, text)

    check()


# -- issue 9: takes, negation and contrast, post-production, provenance ------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "curated"),
    [
        ("hundreds of generations to get this", None, True),
        ("1 try!", 1, False),
        ("took 40 rolls", 40, True),
        ("cherry-picked from 300", 300, True),
        ("selected from ~50 outputs", 50, True),
        ("3rd try", 3, True),
        ("second take was the one", 2, True),
        ("a dozen tries", 12, True),
        ("dozens of rerolls", None, True),
        ("definitely not my first try", None, True),
        ("wasn't cherry-picked", None, False),
        ("one generation, no cherry-picking", 1, False),
        ("my first try at Kling", None, None),  # a first experiment with a tool, not one take
        ("one shot of a city street", None, None),  # a camera shot, not a take
        ("Sora 2 tries to render hands", None, None),
        ("got it in one go", 1, False),
    ],
)
def test_takes_read_like_a_person(text, count, curated):
    t = detect_takes(text)
    assert (t.count, t.curated) == (count, curated)
    assert t.disclosed is (curated is not None)


@pytest.mark.parametrize(
    ("text", "workflow"),
    [
        ("Not text-to-video: I started from my own photo", "image-to-video"),
        ("not i2v, pure text prompt", "text-to-video"),
        ("animated my own drawing", "image-to-video"),
        ("rotoscoped in post", None),
        ("hand-rotoscoped the arm", None),
        ("rotoscoped the dancer with Runway", "video-to-video"),
        ("my grandma's old photo animated", "image-to-video"),
        ("brought an old family photo to life", "image-to-video"),
    ],
)
def test_workflow_negation_and_post_production(text, workflow):
    hit = detect_workflow(text)
    assert (hit[0] if hit else None) == workflow


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("rotoscoped in post", "in post"),
        ("composited in After Effects", "composited"),
        ("cleaned up with DaVinci Resolve", "with DaVinci Resolve"),
        ("no post-production at all", ""),
        ("a cat on a post", ""),
        ("hand-rotoscoped the arm", "hand-rotoscoped"),
        # the same work as "hand-rotoscoped", and detect_workflow already reads it as post-production
        ("freehand-rotoscoped the arm", "freehand-rotoscoped"),
        ("freehand rotoscoping on the arm", "freehand rotoscoping"),
        ("a secondhand-rotoscoped look", ""),  # "hand" inside another word is no hand work
    ],
)
def test_post_production(text, phrase):
    assert detect_post_production(text) == phrase


@pytest.mark.parametrize(
    ("caption", "model"),
    [
        ("Not Sora, this is Kling 2.1", "kling-2"),
        ("Sora? nope. Not Sora but Kling 2.1", "kling-2"),
        ("Everyone thinks it's Sora but it was made with Kling 2.1", "kling-2"),
        ("Inspired by the Sora demo, made with Kling 2.1", "kling-2"),
        ("Kling 2.1 vs Sora", "kling-2"),
        ("Not Sora!", None),
        ("Everyone says this is Kling 2.1 but it's actually Sora 2", "sora-2"),
        ("People said it was Kling 2.1. Sora 2 clip", "sora-2"),
        ("Everyone thinks it's Sora", "sora"),  # a guess alone still names the only candidate
        ("the creator says it's Sora 2", "sora-2"),
        ("I want Sora to do this", "sora"),  # "want" ends in -nt: not a negation
    ],
)
def test_model_negation_and_contrast(tiny_kb, caption, model):
    s = SignalExtractor(tiny_kb).extract(SignalInput("https://www.youtube.com/watch?v=x", caption=caption))
    assert (s.model.id if s.model else None) == model


def test_explicit_model_beats_a_negated_or_attributed_caption(tiny_kb):
    s = SignalExtractor(tiny_kb).extract(
        SignalInput("https://www.youtube.com/watch?v=x", caption="this is Kling 2.1, not Sora", model="sora")
    )
    assert (s.model.id, s.model.source) == ("sora", "user")


def _kb_with_accounts(tiny_kb):
    from dataclasses import replace

    from bot.knowledge import KnowledgeBase

    models = tuple(
        replace(m, official_accounts=("youtube.com/@openai", "x.com/openai")) if m.id == "sora" else
        replace(m, official_accounts=("x.com/kling_ai",)) if m.id == "kling-2" else m
        for m in tiny_kb.models
    )
    return KnowledgeBase(models, tiny_kb.capabilities, tiny_kb.claims, version="accounts")


@pytest.mark.parametrize(
    ("url", "pasted", "author", "vendor", "evidence"),
    [
        ("https://twitter.com/Kling_AI/status/1", None, None, True,
         "posted by x.com/kling_ai, an official account of Kuaishou"),
        ("https://www.youtube.com/watch?v=abcdefghijk", "https://www.youtube.com/@OpenAI/shorts/abcdefghijk", None,
         True, "posted by youtube.com/@openai"),
        ("https://www.youtube.com/watch?v=abcdefghijk", None, "OpenAI", True, "the platform names the author 'OpenAI'"),
        ("https://sora.com/g/abc", None, None, True, "the link is on sora.com, OpenAI's own site"),
        ("https://github.com/openai/sora-demos", None, None, False, None),
        ("https://twitter.com/kling_ai_fan/status/1", None, "Kling AI fan", False, None),
        ("https://www.youtube.com/watch?v=abcdefghijk", None, "Skate Daily", False, None),
        ("https://twitter.com/i/web/status/1", None, None, False, None),
        ("https://openai.com/index/sora/", None, None, True, "a video model vendor's own site"),
        ("https://www.midjourney.com/jobs/abc", None, None, True, "the link is on midjourney.com"),
        ("https://example.com/blog/openai", None, "A fan of OpenAI", False, None),
    ],
)
def test_provenance(tiny_kb, url, pasted, author, vendor, evidence):
    s = SignalExtractor(_kb_with_accounts(tiny_kb)).extract(SignalInput(url, caption="a cat", url=pasted,
                                                                        author=author))
    assert s.provenance.vendor_channel is vendor
    if evidence is None:
        assert s.provenance.evidence is None
    else:
        assert evidence in s.provenance.evidence


# -- edges found by mutation testing (scripts/mutation_equivalents.md) --------------------------------------


def test_a_model_named_at_the_end_of_the_fetched_title_is_found(tiny_kb):
    # the title and the description are read as one text: the name must not run into the description's words
    s = SignalExtractor(tiny_kb).extract(SignalInput("https://www.youtube.com/watch?v=x", title="Made with Sora",
                                                     description="A corgi surfing at dawn"))
    assert (s.model.id, s.model.source, s.model.evidence) == ("sora", "metadata", "Sora")


@pytest.mark.parametrize(
    ("text", "workflow"),
    [
        # post-production named in the next sentence is about other work: the rotoscope is still the workflow
        ("Rotoscoped my dance. Graded in post.", "video-to-video"),
        # freehand rotoscoping is a compositor drawing masks by hand, like "hand-rotoscoped"
        ("freehand-rotoscoped the arm", None),
        # "hand" inside another word is no hand work: the rotoscope is the workflow, as detect_post_production says
        ("a secondhand-rotoscoped look", "video-to-video"),
    ],
)
def test_what_counts_as_rotoscoping_in_post(text, workflow):
    hit = detect_workflow(text)
    assert (hit[0] if hit else None) == workflow


def test_a_negation_reaches_sixty_characters_back_and_no_further(tiny_kb):
    # captions pasted from a formatted layout can hold long runs of spaces between a word and a name
    matcher = ModelMatcher(tiny_kb)
    assert matcher.find_ranked("Not" + " " * 57 + "Sora") == [("sora", "Sora", True)]
    assert matcher.find_ranked("Not" + " " * 58 + "Sora") == [("sora", "Sora", False)]


def test_the_evidence_is_the_whole_name_the_caption_wrote(tiny_kb):
    s = SignalExtractor(tiny_kb).extract(SignalInput("https://www.youtube.com/watch?v=x",
                                                     caption="made with OpenAI Sora, no edits"))
    assert (s.model.id, s.model.evidence) == ("sora", "OpenAI Sora")


def test_an_alias_without_letters_or_digits_is_ignored(tiny_kb):
    from dataclasses import replace

    from bot.knowledge import KnowledgeBase

    # a curator's emoji hashtag names nothing a caption's words can match; the other names still work
    models = tuple(replace(m, hashtags=(*m.hashtags, "#🎬")) if m.id == "sora" else m for m in tiny_kb.models)
    matcher = ModelMatcher(KnowledgeBase(models, tiny_kb.capabilities, tiny_kb.claims, version="emoji"))
    assert matcher.find("🎬 made with Sora 🎬") == [("sora", "Sora")]
