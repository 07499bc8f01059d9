"""`yuntai kb export` / `import`: the seed's layout round-trips byte for byte; a bad import imports nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from helpers import zygote
from helpers.seeded_db import seeded_copy
from storage.seed_files import load_seed

EXE = str(Path(sys.executable).with_name("yuntai"))
FILES = ("models.yaml", "capabilities.yaml", "claims.yaml", "claims_benchmarks.yaml", "demos.yaml")


def yuntai(db: Path | str, *args: str) -> subprocess.CompletedProcess:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    env = {**os.environ, "DATABASE_URL": url, "YUNTAI_FETCH": "off"}
    return zygote.run(["kb", *args], timeout=120, env=env)


def test_export_import_export_is_byte_for_byte_on_the_shipped_seed(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert yuntai(seeded_copy(tmp_path / "one.db"), "export", str(first)).returncode == 0  # a seeded database
    res = yuntai(seeded_copy(tmp_path / "two.db"), "import", str(first))
    assert res.returncode == 0, res.stderr
    assert yuntai(tmp_path / "two.db", "export", str(second)).returncode == 0
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert sorted(p.name for p in first.iterdir()) == sorted(FILES)
    # what was exported is the shipped knowledge, field for field
    assert load_seed(first).version == load_seed().version


def test_the_round_trip_holds_through_postgres(tmp_path, seeded_postgres_url):
    first, second = tmp_path / "a", tmp_path / "b"
    assert yuntai(seeded_copy(tmp_path / "one.db"), "export", str(first)).returncode == 0
    res = yuntai(seeded_postgres_url, "import", str(first))
    assert res.returncode == 0, res.stderr
    assert yuntai(seeded_postgres_url, "export", str(second)).returncode == 0
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def _version(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT key, value FROM kb_meta ORDER BY key").fetchall() + conn.execute(
            "SELECT count(*) FROM kb_claim").fetchall() + conn.execute("SELECT count(*) FROM kb_model").fetchall()


def test_a_bad_import_lists_every_problem_and_imports_nothing(tmp_path):
    files = tmp_path / "files"
    db = tmp_path / "k.db"
    seeded_copy(db)
    assert yuntai(db, "export", str(files)).returncode == 0
    before = _version(db)
    models = (files / "models.yaml").read_text()
    (files / "models.yaml").write_text(models + "- id: brand-new\n  name: Brand New\n  workflows: [text-to-vid]\n")
    claims = (files / "claims.yaml").read_text()
    (files / "claims.yaml").write_text(claims + (
        "- model: no-such-model\n  capability: walking\n  rating: strength\n  note: ''\n"
        "  sources:\n  - url: https://example.com/a/b\n    date: '2025-01'\n    note: ''\n"
        "- model: sora\n  capability: no_such_capability\n  rating: strength\n  note: ''\n"
        "  sources:\n  - url: ftp://example.com/a\n    date: '2025-01'\n    note: ''\n"))
    (files / "claims_benchmarks.yaml").write_text("- model: sora\n  capability: [unclosed\n")
    res = yuntai(db, "import", str(files))
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert any("models.yaml: entry" in x and "(brand-new): workflow 'text-to-vid'" in x for x in lines)
    assert any("unknown model 'no-such-model'" in x for x in lines)
    assert any("unknown capability 'no_such_capability'" in x for x in lines)
    assert any("claims_benchmarks.yaml: not valid YAML" in x for x in lines)
    assert lines[-1] == "yuntai: can't import: 4 problem(s) above; nothing was imported"
    assert _version(db) == before
