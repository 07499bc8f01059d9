"""A database in a read-only folder (issue 7 point 12): reads work, or the message says exactly why not.

The defect needs a folder the process really cannot write: as root (which ignores permission
bits) the folder is bind-mounted read-only in a private mount namespace; otherwise it is chmod 555.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import zygote
from helpers.seeded_db import seeded_copy

ROOT = Path(__file__).resolve().parents[2]


# Run in a child forked by the zygote (the subject is the read-only folder, not interpreter start-up).
# As root, the child first enters a mount namespace of its own (unshare(2), as `unshare -m` does: mounts
# made private there, so nothing leaks to the machine) and bind-mounts the folder read-only over itself.
READ_ONLY_CLI = """
import ctypes, subprocess, sys
folder = sys.argv[1]
if ctypes.CDLL(None, use_errno=True).unshare(0x00020000) != 0:  # CLONE_NEWNS
    print(f"unshare: {ctypes.get_errno()}", file=sys.stderr)
    sys.exit(125)
for mount in (["--make-rprivate", "/"], ["--bind", folder, folder], ["-o", "remount,bind,ro", folder]):
    subprocess.run(["mount", *mount], check=True)
import adapters.cli
sys.exit(adapters.cli.main(sys.argv[2:]))
"""
CLI = "import sys, adapters.cli; sys.exit(adapters.cli.main(sys.argv[2:]))"


def run_read_only(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = _env(folder)
    if os.geteuid() == 0:
        if shutil.which("mount") is None:
            pytest.skip("running as root without mount: no way to make a folder read-only")
        code = READ_ONLY_CLI
    else:
        folder.chmod(0o555)
        code = CLI
    try:
        proc = zygote.run([str(folder), *argv], code=code, cwd=folder.parent, env=env, timeout=90)
    finally:
        folder.chmod(0o755)
    if proc.returncode != 0 and ("unshare:" in proc.stderr or "mount:" in proc.stderr):
        pytest.skip(f"can't make a read-only mount here: {proc.stderr.strip()[:100]}")
    return proc


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "YUNTAI_"))}
    return env | {"DATABASE_URL": f"sqlite:///{data / 'yuntai.db'}", "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A database written by a real process, which checkpoints its WAL when it exits (once per module).

    It starts from a seeded copy: the first run is e2e/test_first_run.py's subject, not this file's.
    """
    data = tmp_path_factory.mktemp("written") / "data"
    seeded_copy(data / "yuntai.db")
    proc = zygote.run(["check", "https://youtu.be/dQw4w9WgXcQ", "--caption", "Sora forest", "--no-fetch"],
                      cwd=data.parent, env=_env(data), timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert not (data / "yuntai.db-wal").exists()  # checkpointed on exit
    return data


@pytest.fixture
def folder(written, tmp_path):
    """This test's own copy of the written folder (the files as that process left them)."""
    return Path(shutil.copytree(written, tmp_path / "data"))


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
