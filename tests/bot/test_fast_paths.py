"""The check's fast paths give the same answers as the slow, obvious way of reading a caption.

Each fast path (per-start-word model regexes, cue pre-filters) exists only for speed (bench/check_speed.py); these
tests compare it with a reference written the straightforward way, over the project's own 506 captions and a set of
hand-made edge cases, so a pre-filter that drops a cue is noticed here rather than as a missed verdict.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot import signals
from bot.results import Takes
from bot.signals import ModelMatcher, detect_takes, detect_workflow
from bot.text import clean
from helpers.shipped_seed import shipped_seed

CAPTIONS = [json.loads(line)["text"] for line in
            (Path(__file__).parents[1] / "data" / "captions.jsonl").read_text(encoding="utf-8").splitlines() if line]
EDGES = [
    "Lumadreammachine test", "luma dream machine v2", "LumaRay2 and Ray 2", "in it is Sora", "i2v from MJ", "s2v",
    "Gen-3 Alpha vs gen3", "GEN 4 turbo", "openai sora 2 pro", "Open-Sora 1.2 vs OpenSora", "wan2.1 / Wan 2.2 / wanx",
    "Kling2.1master", "veo3 fast, veo 3.1", "made in Hailuo AI (MiniMax)", "video by Vidu Q1", "Hunyuan Video i2v",
    "🔥 #SoraAI #Kling #veo3", "not Sora, this is Kling 2.1", "İstanbul at night, Sora",
    "dreams of a dreamer, Dream Machine",
    "took 40 rolls to get this", "1 try!", "best of 12", "cherry-picked from 300 gens", "first try at Kling",
    "one-shotted it", "after twenty generations", "3rd attempt", "no rerolls, raw output", "hundreds of generations",
    "not cherry-picked, first try", "first try, not cherry picked", "a cherry picked best of 4 from 20 gens",
    "I didn't cherry-pick this", "İstanbul at night: FIRST TRY", "İzmir, took 40 Rolls",
    "Best Of 12 İ", "dozens of rolls later", "curated, best outputs", "Zero rerolls",
    "img2vid from a Midjourney still", "not text-to-video: I started from my own photo", "rotoscoped in post",
    "restyled my footage", "handpicked from 50", "unselected result", "pulled from 300", "oneshotted",
    "animated an old family photo", "pure prompt, no input image", "start frame + end frame",
]
TEXTS = CAPTIONS + EDGES


def _reference_spans(matcher: ModelMatcher, text: str) -> list[tuple[str, str, int]]:
    """The whole alternation tried at every position (the slow way)."""
    out, pos = [], 0
    while pos <= len(text):
        m = matcher._regex.match(text, pos)
        if m is None or not m.lastindex:
            pos += 1
            continue
        out.append((matcher._groups[m.lastindex - 1], m.group(), m.start()))
        pos = m.end()
    return out


@pytest.fixture(scope="module")
def matcher() -> ModelMatcher:
    return ModelMatcher(shipped_seed())


@pytest.mark.parametrize("text", TEXTS)
def test_model_spans_match_the_whole_alternation(matcher: ModelMatcher, text: str) -> None:
    cleaned = clean(text)
    assert matcher._all_spans(cleaned) == _reference_spans(matcher, cleaned)


def test_the_edges_name_models(matcher: ModelMatcher) -> None:
    """Guards the comparison above against a matcher that finds nothing on either side."""
    found = {mid for text in EDGES for mid, _, _ in matcher._all_spans(clean(text))}
    assert {"sora-2", "kling-2", "veo-3", "runway-gen3", "luma-dream-machine", "luma-ray2", "hailuo", "wan",
            "open-sora", "vidu", "hunyuanvideo"} <= found


def _takes_reference(text: str) -> Takes:
    """detect_takes the slow way: no pre-filters, every count pattern run, each alternation run whole."""
    count = [re.compile(p, re.IGNORECASE) for _, p in signals._TAKES_COUNT_GATED]
    one = re.compile("|".join(p for _, p in signals._TAKES_ONE_GATED), re.IGNORECASE)
    some = re.compile("|".join(p for _, p in signals._TAKES_SOME_GATED), re.IGNORECASE)
    for regex in count:
        for m in regex.finditer(text):
            n = signals._number(m.group(1))
            if n <= 0 or signals.is_negated(text, m.start()):
                continue
            return Takes(True, n, m.group().strip(), curated=n > 1)
    for m in one.finditer(text):
        phrase = m.group()
        if signals.is_negated(text, m.start()):
            return Takes(True, None, phrase, curated=True)
        only = phrase.lower().startswith(("no", "not", "never", "zero", "uncurated", "unselected", "raw"))
        return Takes(True, None if only or "n't" in phrase or "n’t" in phrase else 1, phrase, curated=False)
    for m in some.finditer(text):
        return Takes(True, None, m.group(), curated=not signals.is_negated(text, m.start()))
    return Takes()


@pytest.mark.parametrize("text", TEXTS)
def test_takes_prefilter_changes_nothing(text: str) -> None:
    assert detect_takes(clean(text)) == _takes_reference(clean(text))


def _workflow_reference(text: str) -> tuple[str, str] | None:
    saved = signals._WORKFLOW_FRAGMENTS
    try:
        signals._WORKFLOW_FRAGMENTS = ("",)
        return detect_workflow(text)
    finally:
        signals._WORKFLOW_FRAGMENTS = saved


@pytest.mark.parametrize("text", TEXTS)
def test_workflow_prefilter_changes_nothing(text: str) -> None:
    assert detect_workflow(clean(text)) == _workflow_reference(clean(text))


def test_edges_exercise_takes_and_workflows() -> None:
    """The edge cases must actually contain takes and workflows, or the two comparisons prove nothing."""
    assert sum(detect_takes(t).disclosed for t in EDGES) >= 9
    # a caption lower() lengthens ("İ") is read with the case-insensitive patterns, evidence in its own case
    assert detect_takes("İstanbul at night: FIRST TRY").evidence == "FIRST TRY"
    assert detect_takes("İzmir, took 40 Rolls").count == 40
    assert {hit[0] for t in EDGES if (hit := detect_workflow(t))} == {"image-to-video", "video-to-video",
                                                                       "text-to-video"}


def _tokenize_reference(text: str) -> list[tuple[str, int, int, int]]:
    """Words, then a search for a clause break between each two (the slow way)."""
    from bot.classifier import _CLAUSE_BREAK, _TOKEN

    lowered, out, clause, last_end = text.lower(), [], 0, 0
    for m in _TOKEN.finditer(lowered):
        if m.start() > last_end and _CLAUSE_BREAK.search(lowered, last_end, m.start()):
            clause += 1
        last_end = m.end()
        out.append((m.group(), m.start(), m.end(), clause))
    return out


@pytest.mark.parametrize("text", TEXTS + ["", "...", "a, b. c", "(x) [y] {z}", "a_b c__d", "— é, ß; 東京 | x • y · z"])
def test_one_pass_tokenizer_matches_the_two_pass_one(text: str) -> None:
    from bot.classifier import _tokenize

    assert [tuple(t) for t in _tokenize(clean(text))] == _tokenize_reference(clean(text))


def test_clause_numbers_change_at_breaks_only() -> None:
    from bot.classifier import _tokenize

    assert [t.clause for t in _tokenize("no cat, a dog; the end")] == [0, 0, 1, 1, 2, 2]


def _from_url_reference(matcher: ModelMatcher, url: str):  # type: ignore[no-untyped-def]
    """Every model's every site tried against the link (the slow way)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, path, best = (parts.hostname or "").removeprefix("www."), parts.path.lower(), None
    for model in matcher._kb.models:
        for site in model.sites:
            site_host, _, site_path = site.lower().removeprefix("www.").partition("/")
            if host != site_host and not host.endswith("." + site_host):
                continue
            if site_path and not path.lstrip("/").startswith(site_path):
                continue
            if best is None or len(site) > best[0]:
                best = (len(site), model)
    return best[1] if best else None


def _site_urls(matcher: ModelMatcher) -> list[str]:
    urls = []
    for model in matcher._kb.models:
        for site in model.sites:
            host, _, path = site.partition("/")
            urls += [f"https://{site}", f"https://www.{site}/more", f"https://app.{host}/{path}x",
                     f"https://not{host}/{path}", f"https://{host}/", f"https://{host}/other/page"]
    return urls + ["https://www.youtube.com/watch?v=abc", "https://example.com/", "https://com/"]


def test_model_from_url_matches_trying_every_site(matcher: ModelMatcher) -> None:
    urls = _site_urls(matcher)
    assert sum(matcher.from_url(u) is not None for u in urls) > 20  # the comparison below is not vacuous
    for url in urls:
        assert matcher.from_url(url) == _from_url_reference(matcher, url), url
