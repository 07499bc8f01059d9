"""A minimal valid seed as YAML text, for tests that break one entry at a time and check the loader's message."""

from __future__ import annotations

from pathlib import Path

MODELS = """
- id: m1
  name: Model One
  aliases: [one]
  workflows: [text-to-video]
- id: m2
  name: Model Two
  aliases: [two]
"""
CAPS = """
- {id: root, name: Root, parent: null}
- {id: leaf, name: Leaf, parent: root, terms: [leaf]}
"""
CLAIMS = """
- model: m1
  capability: leaf
  rating: strength
  note: fine
  sources: [{url: "https://example.org/a", date: "2024-06"}]
"""


def write(tmp_path: Path, models: str = MODELS, caps: str = CAPS, claims: str = CLAIMS) -> Path:
    (tmp_path / "models.yaml").write_text(models)
    (tmp_path / "capabilities.yaml").write_text(caps)
    (tmp_path / "claims.yaml").write_text(claims)
    return tmp_path
