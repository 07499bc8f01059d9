"""The shipped seed knowledge base, read once per test process.

Why: seven test modules each read and validated the whole seed (about 0.2 s a read) for tests that only
look at it; a `KnowledgeBase` is a frozen dataclass of tuples, so one copy serves them all. Tests of the
reading itself (tests/storage/test_seed_files.py, test_knowledge_content.py) still call `load_seed`.
"""

from __future__ import annotations

from functools import cache

from bot.knowledge import KnowledgeBase
from storage.seed_files import load_seed


@cache
def shipped_seed() -> KnowledgeBase:
    return load_seed()
