"""Every `SeedError` branch of the knowledge-base import, one case each, with the exact words it must say.

Why each case pins the full fragment (file, entry and the problem): a curator reading `yuntai kb import`'s
output has only that line to find the mistake; a message that lost its entry label or named the wrong key
would send them looking in the wrong place. Cases are written out, not taken from the loader's tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import zygote
from storage.seed_files import SeedError, load_seed

MODELS = """\
- id: m1
  name: Model One
  aliases: [one]
  hashtags: ['#modelone']
  workflows: [text-to-video]
  released: 2024-06
- id: m2
  name: Model Two
  aliases: [two]
"""
CAPS = """\
- {id: root, name: Root, parent: null}
- {id: leaf, name: Leaf, parent: root, terms: [leaf]}
"""
CLAIMS = """\
- model: m1
  capability: leaf
  rating: strength
  note: fine
  sources: [{url: "https://example.org/a", date: "2024-06"}]
"""
DEMOS = """\
- model: m1
  title: Big Demo
  fact: About 700 clips generated, 55 used.
  url: https://example.org/making-of
  date: 2024-05
"""
VOCAB = "leaf: [frond]\n"

FILES = {"models": "models.yaml", "caps": "capabilities.yaml", "claims": "claims.yaml", "demos": "demos.yaml",
         "vocab": "vocabulary.yaml"}
TEXTS = {"models": MODELS, "caps": CAPS, "claims": CLAIMS, "demos": DEMOS, "vocab": VOCAB}


def write(folder: Path, **changed: str) -> Path:
    for key, name in FILES.items():
        (folder / name).write_text(changed.get(key, TEXTS[key]), encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SeedError) as err:
        load_seed(folder)
    return err.value.problems


def test_the_base_files_load(tmp_path):
    """The cases below each break one thing in these files; unbroken, they load."""
    kb = load_seed(write(tmp_path))
    assert [m.id for m in kb.models] == ["m1", "m2"]
    assert "frond" in kb.capability_by_id["leaf"].terms
    assert len(kb.demos) == 1 and len(kb.claims) == 1


# (file, text to replace, replacement, the whole problem line expected)
CASES = [
    # _parse
    ("claims", "- model: m1", "- model: [unclosed", "claims.yaml: not valid YAML: "),
    ("models", MODELS, "id: m1\nname: One\n", "models.yaml: expected a list of entries at the top level"),
    # _check_keys
    ("caps", "- {id: root, name: Root, parent: null}", "- just a word",
     "capabilities.yaml: entry 1: expected a mapping, got str"),
    ("models", "  aliases: [two]", "  aliases: [two]\n  colour: red\n  size: 3",
     "models.yaml: entry 2 (m2): unknown key(s) colour, size"),
    ("models", "  name: Model Two\n", "", "models.yaml: entry 2 (m2): missing name"),
    # _text and _strings
    ("models", "  name: Model Two", "  name: [Model, Two]", "models.yaml: entry 2 (m2): name must be text"),
    ("models", "aliases: [two]", "aliases: two",
     "models.yaml: entry 2 (m2): aliases must be a list of strings (quote yes/no/on/off)"),
    ("models", "aliases: [two]", "aliases: [two, yes]",
     "models.yaml: entry 2 (m2): aliases must be a list of strings (quote yes/no/on/off)"),
    # _load_model
    ("models", "  aliases: [two]", "  aliases: [two]\n  official_accounts: ['@runwayml']",
     "models.yaml: entry 2 (m2): official account '@runwayml' must look like host/handle, "
     "e.g. x.com/runwayml or youtube.com/@openai"),
    ("models", "released: 2024-06", "released: June 2024",
     "models.yaml: entry 1 (m1): released 'June 2024' is not YYYY, YYYY-MM or YYYY-MM-DD"),
    ("models", "workflows: [text-to-video]", "workflows: [text-to-3d]",
     "models.yaml: entry 1 (m1): workflow 'text-to-3d' is not one of text-to-video, image-to-video, video-to-video"),
    ("models", "hashtags: ['#modelone']", "hashtags: [modelone]",
     "models.yaml: entry 1 (m1): hashtag 'modelone' must start with '#'"),
    ("models", "hashtags: ['#modelone']", "hashtags: ['#']",
     "models.yaml: entry 1 (m1): hashtag '#' must start with '#'"),
    ("models", "aliases: [two]", "aliases: [two, '--']", "models.yaml: entry 2 (m2): empty alias '--'"),
    ("models", "aliases: [two]", "aliases: [two, Model-One]",
     "models.yaml: entry 2 (m2): alias 'Model-One' is also listed under model 'm1'"),
    # _claim_id
    ("models", "id: m2", "id: M2", "models.yaml: entry 2 (M2): id 'M2' must be lowercase letters, digits, '-' or '_'"),
    ("models", "id: m2", "id: m1", "models.yaml: entry 2 (m1): duplicate model id 'm1'"),
    ("caps", "{id: leaf,", "{id: root,", "capabilities.yaml: entry 2 (root): duplicate capability id 'root'"),
    # _no_bare_numbers
    ("caps", "terms: [leaf]", "terms: [leaf, '60']",
     "capabilities.yaml: entry 2 (leaf): terms has the bare number '60', which would match any caption "
     "mentioning it; give it words (e.g. '60,000 fans', quoted)"),
    # _load_capability and _check_tree
    ("caps", "parent: root, terms", "parent: [root], terms",
     "capabilities.yaml: entry 2 (leaf): parent must be an id or null"),
    ("caps", "parent: root, terms", "parent: nowhere, terms",
     "capabilities.yaml: entry 2 (leaf): unknown parent 'nowhere'"),
    ("caps", "terms: [leaf]", "terms: [leaf], implies: [root, ghosts]",
     "capabilities.yaml: entry 2 (leaf): implies names unknown capabilities ['ghosts']"),
    ("caps", "terms: [leaf]", "terms: [leaf], unless: [spirits]",
     "capabilities.yaml: entry 2 (leaf): unless names unknown capabilities ['spirits']"),
    ("caps", "{id: root, name: Root, parent: null}", "{id: root, name: Root, parent: leaf}",
     "capabilities.yaml: entry 1 (root): parent cycle root -> leaf -> root"),
    # _merge_vocabulary
    ("vocab", VOCAB, "leaf: [unclosed\n", "vocabulary.yaml: not valid YAML: "),
    ("vocab", VOCAB, "- leaf\n- frond\n", "vocabulary.yaml: expected a mapping of capability id to a list of terms"),
    ("vocab", VOCAB, "wizards: [merlin]\n", "vocabulary.yaml: wizards: unknown capability 'wizards'"),
    # _load_demo
    ("demos", "model: m1", "model: m9", "demos.yaml: entry 1 (Big Demo): unknown model 'm9'"),
    ("demos", "url: https://example.org/making-of", "url: https://example.org",
     "demos.yaml: entry 1 (Big Demo): url 'https://example.org' is a bare host: cite the page itself (full path), "
     "not the website"),
    ("demos", "date: 2024-05", "date: spring 2024",
     "demos.yaml: entry 1 (Big Demo): date 'spring 2024' is not YYYY, YYYY-MM or YYYY-MM-DD"),
    # _load_claim
    ("claims", "model: m1", "model: m9", "claims.yaml: entry 1 (m9) x leaf: unknown model 'm9'"),
    ("claims", "capability: leaf", "capability: nowhere", "claims.yaml: entry 1 (m1) x nowhere: unknown capability "
     "'nowhere'"),
    ("claims", "rating: strength", "rating: great",
     "claims.yaml: entry 1 (m1) x leaf: rating 'great' is not one of strength, mixed, weakness"),
    ("claims", '  sources: [{url: "https://example.org/a", date: "2024-06"}]', "  sources: []",
     "claims.yaml: entry 1 (m1) x leaf: a claim needs at least one source"),
    ("claims", '  sources: [{url: "https://example.org/a", date: "2024-06"}]', "  sources: https://example.org/a",
     "claims.yaml: entry 1 (m1) x leaf: a claim needs at least one source"),
    ("claims", 'url: "https://example.org/a"', 'url: "ftp://example.org/a"',
     "claims.yaml: entry 1 (m1) x leaf, source 1: url 'ftp://example.org/a' must be an http(s) link"),
    ("claims", 'date: "2024-06"', 'date: "06/2024"',
     "claims.yaml: entry 1 (m1) x leaf, source 1: date '06/2024' is not YYYY, YYYY-MM or YYYY-MM-DD"),
]


@pytest.mark.parametrize(("target", "old", "new", "expected"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_seed_error_names_file_entry_and_problem(tmp_path, target, old, new, expected):
    assert old in TEXTS[target], "the case must break something that is there"
    write(tmp_path, **{target: TEXTS[target].replace(old, new, 1)})
    problems = problems_of(tmp_path)  # later lines may follow from the first (a refused model's claims)
    if expected.endswith(": "):  # the YAML parser's own words follow
        assert problems[0].startswith(expected), problems
    else:
        assert problems[0] == expected


def test_a_missing_required_file_is_a_problem_naming_its_path(tmp_path):
    write(tmp_path)
    (tmp_path / "capabilities.yaml").unlink()
    problems = problems_of(tmp_path)
    assert f"{tmp_path / 'capabilities.yaml'}: file not found" in problems


def test_every_problem_is_collected_and_the_message_counts_the_rest(tmp_path):
    write(tmp_path, models=MODELS.replace("released: 2024-06", "released: soon"),
          claims=CLAIMS.replace("rating: strength", "rating: great"),
          demos=DEMOS.replace("date: 2024-05", "date: later"))
    with pytest.raises(SeedError) as err:
        load_seed(tmp_path)
    assert len(err.value.problems) == 3
    assert str(err.value) == err.value.problems[0] + " (and 2 more problems)"
    assert err.value.problems[0].startswith("models.yaml: entry 1 (m1): released 'soon'")


def test_a_single_problem_has_no_count(tmp_path):
    write(tmp_path, claims=CLAIMS.replace("rating: strength", "rating: great"))
    with pytest.raises(SeedError) as err:
        load_seed(tmp_path)
    assert "more problem" not in str(err.value)


def test_kb_import_prints_each_problem_and_exits_2(tmp_path):
    """The same lines reach a curator through `yuntai kb import`, one per problem, and nothing is imported."""
    from helpers.seeded_db import seeded_copy

    url = seeded_copy(tmp_path / "k.db")
    files = tmp_path / "files"
    files.mkdir()
    write(files, models=MODELS.replace("hashtags: ['#modelone']", "hashtags: [modelone]"),
          caps=CAPS.replace("parent: root, terms", "parent: [root], terms"))
    env = {**os.environ, "DATABASE_URL": url, "YUNTAI_FETCH": "off"}
    res = zygote.run(["kb", "import", str(files)], timeout=120, env=env)  # a process of its own
    assert res.returncode == 2, res
    lines = res.stderr.splitlines()
    assert "yuntai: models.yaml: entry 1 (m1): hashtag 'modelone' must start with '#'" in lines
    assert "yuntai: capabilities.yaml: entry 2 (leaf): parent must be an id or null" in lines
    # the refused model m1 also makes its claim and demo unknown: five lines, and the count says so
    assert lines[-1] == "yuntai: can't import: 5 problem(s) above; nothing was imported"
    assert len(lines) == 6
    assert "Traceback" not in res.stderr
