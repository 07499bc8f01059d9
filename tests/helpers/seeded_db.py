"""A migrated, seeded SQLite database built once per test session and copied per test.

Why: migrating and importing the whole seed took about half of the suite's busy time when every CLI,
console, digest and end-to-end test did it on its own fresh file. Tests whose subject is the first run
itself (test_first_run.py, test_fresh_clone.py, the read-only folder) keep starting from nothing.

The copy is an ordinary file, so a `yuntai` subprocess given `sqlite:///<copy>` finds it migrated and
seeded and goes straight to work, exactly as on a second run.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

_template: Path | None = None


def _build_template() -> Path:
    from storage.bootstrap import open_storage

    folder = Path(tempfile.mkdtemp(prefix="yuntai-seeded-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "template.db"
    open_storage(f"sqlite:///{path}").close()
    return path


def template() -> Path:
    """The session's template (built on first use)."""
    global _template
    if _template is None:
        _template = _build_template()
    return _template


def seeded_copy(path: Path) -> str:
    """Put a copy of the template at `path` (unless one is already there) and return its DATABASE_URL.

    YUNTAI_TEST_FRESH_DB=1 skips the copy, so each test migrates and seeds its own file as before
    (to measure what the template saves, or to rule it out when a test misbehaves).
    """
    if os.environ.get("YUNTAI_TEST_FRESH_DB") == "1":
        return f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # The backup API copies a consistent database even if the template were in WAL mode.
        with sqlite3.connect(template()) as source, sqlite3.connect(path) as target:
            source.backup(target)
        source.close()
        target.close()
    return f"sqlite:///{path}"
