"""What issue 10 promises about the shipped knowledge base, and how demo accounts reach users.

Expected values are written out from the sources (FACTS.md's coverage table, the seed's policy),
never derived from the seed itself.
"""

from __future__ import annotations

import re

import pytest

from adapters.text_render import render_model
from bot.demos import demo_line, demo_reasons
from bot.knowledge import Demo, KnowledgeBase
from bot.results import CommunityEvidence
from bot.verdict import VerdictRules, combine
from helpers.seed_yaml import CAPS, CLAIMS, MODELS, write
from helpers.seeded_db import seeded_copy
from helpers.shipped_seed import shipped_seed
from helpers.verdicts import signals
from storage.seed_files import SeedError, load_seed, source_url_problem
from tests.conftest import make_tiny_kb


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return shipped_seed()


def rating(kb: KnowledgeBase, model: str, capability: str) -> str | None:
    claims = kb.claims_by_model.get(model, {}).get(capability)
    return combine(claims) if claims else None


def test_no_bare_host_anywhere_and_enough_curated_claims(kb):
    curated = [c for c in kb.claims if not c.derived_from]
    assert len(curated) >= 280
    for c in kb.claims:
        for s in c.sources:
            assert source_url_problem(s.url) is None, (c.model, c.capability, s.url)
    for d in kb.demos:
        assert source_url_problem(d.url) is None, d.title


def test_no_two_claims_collapse_on_import(kb):
    # the importer matches claims on (model, capability, derived_from, first source): a duplicate would vanish
    keys = [(c.model, c.capability, c.derived_from, c.sources[0].url) for c in kb.claims]
    assert len(keys) == len(set(keys))


def test_kling_1_eating_is_a_strength_with_its_artefacts_noted(kb):
    assert rating(kb, "kling-1", "eating") == "strength"
    notes = " ".join(c.note for c in kb.claims_by_model["kling-1"]["eating"])
    assert "extra human hand" in notes
    assert "no independent test" not in notes.lower()


def test_talking_is_split_and_no_native_audio_is_an_audio_claim(kb):
    for cap, parent in {"lip_sync": "talking", "speech": "talking", "walk_and_talk": "talking",
                        "audio": "other"}.items():
        assert kb.capability_by_id[cap].parent == parent
    # models whose sources speak of lip sync (FACTS.md coverage table)
    for model in ("hunyuanvideo", "kling-2", "ltx-2", "pika", "runway-gen3", "veo-3", "wan", "sora-2"):
        assert rating(kb, model, "lip_sync") is not None, model
    # silent models: weak at audio, and no mouth claim says "weakness" because of missing sound
    for model in ("sora", "runway-gen3", "luma-ray2", "hailuo", "ltx-video"):
        assert rating(kb, model, "audio") == "weakness", model
        for cap in ("talking", "lip_sync", "speech"):
            assert rating(kb, model, cap) != "weakness", (model, cap)


def test_walking_and_hands_rated_wherever_a_source_covers_them(kb):
    walking = ("kling-1", "ltx-video", "pika", "runway-gen2", "runway-gen4", "sora")
    hands = ("hunyuanvideo", "kling-1", "ltx-video", "luma-dream-machine", "runway-gen2", "sora-2", "vidu", "wan")
    assert [m for m in walking if rating(kb, m, "walking") is None] == []
    assert [m for m in hands if rating(kb, m, "hands") is None] == []
    assert rating(kb, "wan", "hands") == "weakness"  # FACTS.md contradiction 13, resolved


def test_hockey_has_its_one_sourced_claim(kb):
    hockey = [c for c in kb.claims if c.capability == "hockey"]
    assert [(c.model, c.rating) for c in hockey] == [("wan", "mixed")]
    assert "motion capture" in hockey[0].note


def test_resolved_contradictions(kb):
    assert rating(kb, "sora", "multi_shot") == "mixed"
    assert rating(kb, "sora-2", "basketball") == "mixed"
    assert rating(kb, "sora-2", "sports") == "mixed"
    assert rating(kb, "vidu", "multi_shot") == "mixed"
    assert rating(kb, "luma-dream-machine", "fluids") == "weakness"  # the benchmark wins over one blog


def test_an_action_benchmark_gives_no_fluids_claim(kb):
    assert not [c for c in kb.claims if c.capability == "fluids" and "VideoPhy-2" in c.note]
    for c in kb.claims:
        if c.note.startswith("Benchmark (Physics-IQ") or c.note.startswith("Benchmark (VideoPhy"):
            assert re.search(r"one overall (score|figure|pass rate)", c.note, re.I), (c.model, c.capability)


def test_every_model_has_a_strength_and_a_weakness_or_says_why_not(kb):
    for m in kb.models:
        ratings = {combine(v) for v in kb.claims_by_model.get(m.id, {}).values()}
        notes = m.notes.lower()
        if "strength" not in ratings:
            assert re.search(r"no documented strength|documents a strength", notes), m.id
        if "weakness" not in ratings:
            assert re.search(r"no weakness is documented|documents a strength or a weakness", notes), m.id


def test_demo_accounts_cover_the_famous_demos(kb):
    first = {}
    for d in kb.demos:
        first.setdefault(d.model, d)
    assert first["sora"].title == "Air Head (shy kids, 2024)"
    assert "altered by hand in post" in first["sora"].fact
    assert {"sora", "sora-2", "kling-1", "kling-2", "veo-3", "wan"} <= set(first)


# -------------------------------------------------------------------------------- demos, end to end

DEMOS = """
- model: m1
  title: Big Demo
  fact: About 700 clips generated, 55 used.
  url: https://example.org/making-of
  date: 2024-05
  source: the makers
"""


def test_demos_load_and_are_validated(tmp_path):
    write(tmp_path, MODELS, CAPS, CLAIMS)
    (tmp_path / "demos.yaml").write_text(DEMOS)
    kb = load_seed(tmp_path)
    assert kb.demos == (Demo("m1", "Big Demo", "About 700 clips generated, 55 used.",
                             "https://example.org/making-of", "2024-05", "the makers"),)
    (tmp_path / "demos.yaml").write_text(DEMOS.replace("https://example.org/making-of", "https://example.org"))
    with pytest.raises(SeedError, match=r"demos.yaml: entry 1 \(Big Demo\): url .* is a bare host"):
        load_seed(tmp_path)
    (tmp_path / "demos.yaml").write_text(DEMOS.replace("model: m1", "model: m9"))
    with pytest.raises(SeedError, match="unknown model 'm9'"):
        load_seed(tmp_path)


def test_a_demo_changes_the_seed_version(tmp_path):
    write(tmp_path, MODELS, CAPS, CLAIMS)
    without = load_seed(tmp_path).version
    (tmp_path / "demos.yaml").write_text(DEMOS)
    with_demo = load_seed(tmp_path).version
    (tmp_path / "demos.yaml").write_text(DEMOS.replace("55 used", "56 used"))
    assert len({without, with_demo, load_seed(tmp_path).version}) == 3


def tiny_with_demos() -> KnowledgeBase:
    base = make_tiny_kb()
    demos = (Demo("sora", "Air Head", "Almost every shot was altered in post.", "https://example.org/air-head",
                  "2024-04", "the makers"),
             Demo("sora", "Origin", "Hundreds of shots for two dozen.", "https://example.org/origin"))
    return KnowledgeBase(base.models, base.capabilities, base.claims, version="tiny+demos", demos=demos)


def test_a_check_naming_the_model_cites_how_its_demo_was_made():
    kb = tiny_with_demos()
    v = VerdictRules(kb).decide(signals(kb, "sora", "plants"), CommunityEvidence())
    assert ("How a famous Sora demo was made: Air Head: Almost every shot was altered in post "
            "(source: https://example.org/air-head, 2024-04). (1 more in the Sora model report)") in v.reasons
    other = VerdictRules(kb).decide(signals(kb, "kling-2", "eating"), CommunityEvidence())
    assert not [r for r in other.reasons if "famous" in r]
    assert demo_reasons(kb, "runway-gen3") == []


def test_demo_line_shortens_long_accounts():
    line = demo_line(Demo("m", "T", "x" * 400, "https://example.org/p"))
    assert line.startswith("T: " + "x" * 100) and "…" in line and line.endswith("(source: https://example.org/p).")


def test_model_report_lists_the_demos(tmp_path):
    from adapters.wiring import build_app
    from bot.config import Settings
    from bot.ports import Actor

    app = build_app(Settings(database_url=seeded_copy(tmp_path / 'm.db')), fetch=False)
    report = app.services.reports.report_sync("sora", Actor("console:local", "u1", "tester", True))
    app.close()
    assert report.demos and report.demos[0].startswith("Air Head (shy kids, 2024): ")
    text = render_model(report)
    assert "How its famous demos were made:" in text
    assert "https://www.diyphotography.net/sora-ai-isnt-a-magic-trick-says-shy-kids-air-head-bts-video/" in text


def test_an_undated_source_is_cited_without_a_dangling_comma():
    from bot.knowledge import Claim, Source

    base = make_tiny_kb()
    undated = Claim("sora", "hockey", "mixed", "one case study", (Source("https://example.org/case", ""),))
    kb = KnowledgeBase(base.models, base.capabilities, (*base.claims, undated), version="undated")
    v = VerdictRules(kb).decide(signals(kb, "sora", "hockey"), CommunityEvidence())
    assert "Hockey is hit and miss for Sora [https://example.org/case]." in v.reasons
