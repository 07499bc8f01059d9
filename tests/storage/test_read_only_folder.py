"""A database in a read-only folder (issue 7 point 12): reads work, or the message says exactly why not.

The defect needs a folder the process really cannot write: as root (which ignores permission
bits) the folder is bind-mounted read-only in a private mount namespace; otherwise it is chmod 555.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.seeded_db import seeded_copy

ROOT = Path(__file__).resolve().parents[2]


def run_read_only(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = _env(folder)
    cli = [sys.executable, "-m", "adapters.cli", *argv]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: no way to make a folder read-only")
        script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
        cmd = ["unshare", "-m", "sh", "-c", script, str(folder), *cli]
    else:
        folder.chmod(0o555)
        cmd = cli
    try:
        proc = subprocess.run(cmd, cwd=folder.parent, env=env, capture_output=True, text=True, timeout=90)
    finally:
        folder.chmod(0o755)
    if proc.returncode != 0 and ("unshare:" in proc.stderr or "mount:" in proc.stderr):
        pytest.skip(f"can't make a read-only mount here: {proc.stderr.strip()[:100]}")
    return proc


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "YUNTAI_"))}
    return env | {"DATABASE_URL": f"sqlite:///{data / 'yuntai.db'}", "PYTHONPATH": str(ROOT)}


@pytest.fixture
def folder(tmp_path):
    """A database written by a real process, which checkpoints its WAL when it exits.

    It starts from a seeded copy: the first run is e2e/test_first_run.py's subject, not this file's.
    """
    data = tmp_path / "data"
    seeded_copy(data / "yuntai.db")
    proc = subprocess.run([sys.executable, "-m", "adapters.cli", "check", "https://youtu.be/dQw4w9WgXcQ",
                           "--caption", "Sora forest", "--no-fetch"], cwd=tmp_path, env=_env(data),
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert not (data / "yuntai.db-wal").exists()  # checkpointed on exit
    return data


def test_kb_list_reads_a_database_in_a_read_only_folder(folder):
    proc = run_read_only(folder, "kb", "list", "models")
    assert proc.returncode == 0, proc.stderr
    assert "sora " in proc.stdout and "claims" in proc.stdout
    assert proc.stderr == ""


def test_digest_preview_reads_a_database_in_a_read_only_folder(folder):
    proc = run_read_only(folder, "digest", "preview")
    assert proc.returncode == 0, proc.stderr
    assert "1 clip checks" in proc.stdout


def test_a_write_in_a_read_only_folder_says_read_only(folder):
    proc = run_read_only(folder, "check", "https://youtu.be/dQw4w9WgXcQ", "--caption", "Sora forest", "--no-fetch")
    assert proc.returncode == 1
    *log_lines, message = proc.stderr.splitlines()
    assert message.startswith("yuntai: ") and "read-only" in message
    assert len(log_lines) <= 1 and "Traceback" not in proc.stderr  # at most the operator's log line


def test_unwritten_changes_in_the_wal_are_named_not_ignored(folder):
    (folder / "yuntai.db-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)
    proc = run_read_only(folder, "kb", "list", "models")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "read-only" in proc.stderr and "yuntai.db-wal" in proc.stderr and "make the folder writable" in proc.stderr
