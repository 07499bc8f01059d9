"""The shipped seed loads, covers DESIGN.md's tree, and the loader rejects each kind of bad entry."""

from __future__ import annotations

import re

import pytest

from bot.knowledge import RATINGS
from helpers.seed_yaml import CAPS, CLAIMS, MODELS, write
from helpers.shipped_seed import shipped_seed
from storage.seed_files import SEED_DIR, SeedError, dump_seed, load_seed, source_url_problem

DESIGN_TREE = {
    "subjects": None, "actions": None, "camera": None, "physics": None, "other": None,
    **dict.fromkeys(["people", "animals", "food", "plants", "scenery", "architecture", "vehicles", "interiors"],
                    "subjects"),
    **dict.fromkeys(["talking", "walking", "running", "eating", "dancing", "hands", "sports"], "actions"),
    **dict.fromkeys(["basketball", "hockey", "football", "american_football", "baseball", "tennis",
                     "skateboarding", "martial_arts"], "sports"),
    "camera_motion": "camera",
    **dict.fromkeys(["pan", "zoom", "orbit", "tracking"], "camera_motion"),
    **dict.fromkeys(["fluids", "collisions", "fire_smoke", "cloth"], "physics"),
    **dict.fromkeys(["text_rendering", "multi_shot", "crowds"], "other"),
}


@pytest.fixture(scope="module")
def kb():
    return shipped_seed()


@pytest.fixture(scope="module")
def classifier(kb):
    """Built once: classifying is pure (bot/classifier.py), so the cases below can share it."""
    from bot.classifier import CapabilityClassifier

    return CapabilityClassifier(kb)


def test_real_seed_loads_with_enough_models(kb):
    assert len(kb.models) >= 15
    ids = {m.id for m in kb.models}
    for required in ("sora", "sora-2", "kling-1", "kling-2", "runway-gen3", "runway-gen4", "luma-dream-machine",
                     "luma-ray2", "veo-2", "veo-3", "hailuo", "pika", "vidu", "wan", "hunyuanvideo", "ltx-video",
                     "mochi", "cogvideox"):
        assert required in ids
    assert all(isinstance(m.aliases, tuple) for m in kb.models)


def test_design_capabilities_present_with_parents(kb):
    for cap_id, parent in DESIGN_TREE.items():
        assert cap_id in kb.capability_by_id, cap_id
        assert kb.capability_by_id[cap_id].parent == parent, cap_id


def test_claims_are_many_and_sourced(kb):
    assert len(kb.claims) >= 150
    for claim in kb.claims:
        assert claim.rating in RATINGS
        assert claim.sources
        for source in claim.sources:
            assert source_url_problem(source.url) is None, (claim.model, claim.capability, source.url)
            assert source.date == "" or re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", source.date)
            assert "/work/shared" not in source.url


def test_every_model_has_a_claim(kb):
    rated = {c.model for c in kb.claims}
    assert [m.id for m in kb.models if m.id not in rated] == []


def test_bare_family_names_have_one_owner(kb):
    for family in ("kling", "runway", "veo", "luma", "sora", "wan", "pika", "hailuo"):
        owners = [m.id for m in kb.models if family in m.aliases]
        assert len(owners) == 1, (family, owners)


def test_version_is_a_short_hash(kb):
    assert len(kb.version) == 12 and int(kb.version, 16) >= 0
    assert load_seed().version == kb.version


def test_shipped_official_accounts(kb):
    assert kb.model_by_id["runway-gen4"].official_accounts == ("x.com/runwayml",)
    assert kb.model_by_id["sora-2"].official_accounts == ("youtube.com/@openai", "x.com/openai")
    assert kb.model_by_id["vidu"].official_accounts == ()  # nobody has sourced one yet


def test_round_trip(kb, tmp_path):
    dump_seed(kb, tmp_path)
    again = load_seed(tmp_path)
    assert again == kb
    dump_seed(again, tmp_path / "twice")
    assert (tmp_path / "twice" / "claims.yaml").read_text() == (tmp_path / "claims.yaml").read_text()


# ------------------------------------------------------------------ validation errors

def test_small_valid_seed_loads(tmp_path):
    kb = load_seed(write(tmp_path))
    assert [m.id for m in kb.models] == ["m1", "m2"]
    assert kb.claims[0].sources[0].date == "2024-06"
    assert isinstance(kb.claims[0].sources, tuple)


def test_bare_host_source_is_refused_naming_the_claim(tmp_path):
    write(tmp_path, claims=CLAIMS.replace("https://example.org/a", "https://www.technologyreview.com"))
    with pytest.raises(SeedError) as err:
        load_seed(tmp_path)
    assert "claims.yaml: entry 1 (m1) x leaf, source 1" in str(err.value)
    assert "'https://www.technologyreview.com' is a bare host" in str(err.value)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://aiwiki.ai", False),
        ("https://aiwiki.ai/", False),
        ("http://en.people.cn//", False),
        ("https://", False),
        ("aiwiki.ai/kling", False),
        ("https://aiwiki.ai/wiki/Kling", True),
        ("https://veoinsights.com/?p=111", True),  # an article id in the query names one page
        ("https://arxiv.org/abs/2501.09038", True),
    ],
)
def test_source_url_problem(url, ok):
    assert (source_url_problem(url) is None) is ok


def test_source_without_date_loads_and_keeps_it_empty(tmp_path):
    write(tmp_path, claims=CLAIMS.replace(', date: "2024-06"', ""))
    assert load_seed(tmp_path).claims[0].sources[0].date == ""


def test_claims_files_are_all_read(tmp_path):
    write(tmp_path)
    (tmp_path / "claims_extra.yaml").write_text(CLAIMS.replace("m1", "m2"))
    assert {c.model for c in load_seed(tmp_path).claims} == {"m1", "m2"}


@pytest.mark.parametrize(
    ("target", "old", "new", "message"),
    [
        ("models", "  aliases: [one]", "  aliases: [one]\n  colour: red", "unknown key"),
        ("models", "id: m2", "id: m1", "duplicate model id"),
        ("models", "aliases: [two]", "aliases: [two, One]", "also listed under model"),
        ("models", "workflows: [text-to-video]", "workflows: [text-to-3d]", "workflow"),
        ("models", "aliases: [two]", "aliases: [two]\n  official_accounts: [\"@runwayml\"]", "host/handle"),
        ("models", "aliases: [two]", "aliases: [two]\n  official_accounts: [x.com/RunwayML]", "host/handle"),
        ("caps", "parent: root, terms", "parent: nowhere, terms", "unknown parent"),
        ("caps", "{id: root, name: Root, parent: null}", "{id: root, name: Root, parent: leaf}", "cycle"),
        ("caps", "{id: leaf,", "{id: root,", "duplicate capability id"),
        ("claims", "model: m1", "model: m9", "unknown model"),
        ("claims", "capability: leaf", "capability: nowhere", "unknown capability"),
        ("claims", "rating: strength", "rating: great", "rating"),
        ("claims", '  sources: [{url: "https://example.org/a", date: "2024-06"}]', "", "at least one source"),
        ("claims", 'url: "https://example.org/a", ', "", "missing url"),
        ("claims", ', date: "2024-06"', ', date: "June 2024"', "is not YYYY"),
        ("claims", 'url: "https://example.org/a"', 'url: "https://example.org"', "is a bare host"),
        ("claims", 'url: "https://example.org/a"', 'url: "https://example.org/"', "is a bare host"),
        ("claims", 'url: "https://example.org/a"', 'url: "ftp://example.org/a"', "http(s) link"),
        ("claims", "note: fine", "note: fine\n  weight: 3", "unknown key"),
        ("caps", "terms: [leaf]", "terms: [leaf, 60, 000]", "bare number '60'"),
        ("caps", "terms: [leaf]", "terms: [leaf, '360\u00b0']", "bare number '360\u00b0'"),
        ("caps", "terms: [leaf]", "terms: [leaf, '2.0']", "bare number '2.0'"),
        ("caps", "terms: [leaf]", "terms: [leaf], not_terms: ['0']", "not_terms has the bare number '0'"),
    ],
)
def test_validation_errors(tmp_path, target, old, new, message):
    texts = {"models": MODELS, "caps": CAPS, "claims": CLAIMS}
    assert old in texts[target]
    texts[target] = texts[target].replace(old, new, 1)
    write(tmp_path, texts["models"], texts["caps"], texts["claims"])
    with pytest.raises(SeedError) as err:
        load_seed(tmp_path)
    text = str(err.value)
    assert message in text
    assert {"models": "models.yaml", "caps": "capabilities.yaml", "claims": "claims.yaml"}[target] in text
    assert "entry" in text


def test_missing_file_and_bad_yaml(tmp_path):
    write(tmp_path)
    (tmp_path / "claims.yaml").write_text("- model: [unclosed")
    with pytest.raises(SeedError, match="claims.yaml"):
        load_seed(tmp_path)
    (tmp_path / "models.yaml").unlink()
    with pytest.raises(SeedError, match="models.yaml"):
        load_seed(tmp_path)


def test_default_directory_is_the_package_seed():
    assert SEED_DIR.name == "seed" and (SEED_DIR / "models.yaml").is_file()


@pytest.mark.parametrize("caption", ["60 fps", "0 edits, straight out of the model", "Open-Sora 2.0 demo",
                                     "a 60,000 seat stadium, empty", "360p upload"])
def test_numbers_alone_show_no_capability(classifier, caption):
    """Issue 7 point 5: the seed's "60, 000" was two terms, so any 60 or 0 showed a crowd."""
    shown = [cap for cap, _ in classifier.classify(None, caption, None)]
    assert "crowds" not in shown and "people" not in shown and "orbit" not in shown, shown


def test_the_fast_yaml_parser_reads_the_shipped_seed_exactly_as_the_python_one(monkeypatch):
    import yaml

    import storage.seed_files as seed_files

    fast = seed_files.load_seed()
    monkeypatch.setattr(seed_files, "_FAST_LOADER", yaml.SafeLoader)
    slow = seed_files.load_seed()
    assert fast.version == slow.version
    assert (fast.models, fast.capabilities, fast.claims, fast.demos) == (
        slow.models, slow.capabilities, slow.claims, slow.demos)


def test_nesting_deeper_than_libyaml_allows_is_refused_without_the_python_parser(monkeypatch, tmp_path):
    """The Python parser recurses once per level: it would spend a second to end in the same RecursionError."""
    import yaml

    import storage.seed_files as seed_files

    def python_parser(text):  # type: ignore[no-untyped-def]
        raise AssertionError("the Python parser was asked")

    monkeypatch.setattr(yaml, "safe_load", python_parser)
    (tmp_path / "models.yaml").write_text("[" * 1001 + "]" * 1001, encoding="utf-8")
    with pytest.raises(RecursionError, match="nesting depth"):
        seed_files._parse(tmp_path / "models.yaml", [])
    (tmp_path / "models.yaml").write_text("- id: a\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="Python parser was asked"):  # any other error still is
        seed_files._parse(tmp_path / "models.yaml", [])


def test_a_broken_file_is_described_by_the_python_parser(tmp_path):
    import yaml

    import storage.seed_files as seed_files

    broken = "- id: a\n  name: [unclosed\n"
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(broken)
    path = tmp_path / "models.yaml"
    path.write_text(broken, encoding="utf-8")
    problems: list[str] = []
    assert seed_files._parse(path, problems) == []
    assert problems == [f"models.yaml: not valid YAML: {' '.join(str(expected.value).split())}"]
