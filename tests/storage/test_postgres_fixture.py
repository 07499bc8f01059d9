"""Under CI a Postgres that does not answer fails the storage tests; elsewhere they are skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
def test_needs_postgres(postgres_url):
    assert postgres_url
'''


def run_probe(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    env = {**os.environ, "CI": ci, "YUNTAI_TEST_POSTGRES": "postgresql://postgres@127.0.0.1:1/none",
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(probe)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)


def test_without_ci_an_absent_postgres_skips(tmp_path):
    res = run_probe(tmp_path, "")
    assert res.returncode == 0, res.stdout
    assert "1 skipped" in res.stdout and "no Postgres at postgresql://postgres@127.0.0.1:1/none" in res.stdout


def test_under_ci_an_absent_postgres_fails(tmp_path):
    res = run_probe(tmp_path, "true")
    assert res.returncode == 1, res.stdout
    assert "1 failed" in res.stdout and "CI=true: the storage suite must run on Postgres too" in res.stdout
