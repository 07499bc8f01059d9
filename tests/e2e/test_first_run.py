"""First run on a fresh SQLite file with several processes at once (issue 7 point 1, issue 6).

Real processes, because the defect lives between them: each one saw an empty database and tried
to create the tables and seed the knowledge base ("table clip already exists", "UNIQUE constraint
failed: kb_model.id").
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
# Each process imports everything first, then waits for the start file, so all eight reach the
# first-run step within milliseconds of each other (as when a supervisor starts them together).
STARTER = """
import os, sys, time
import adapters.cli, adapters.wiring, storage.bootstrap, storage.seed_files, alembic.command  # noqa
start = sys.argv[1]
while not os.path.exists(start):
    time.sleep(0.005)
sys.exit(adapters.cli.main(sys.argv[2:]))
"""


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YUNTAI_", "OPENAI_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_eight_checks_on_a_fresh_sqlite_file_all_succeed_and_seed_once(tmp_path):
    db = tmp_path / "fresh.db"
    start = tmp_path / "go"
    cmd = [sys.executable, "-c", STARTER, str(start), "check", "https://youtu.be/dQw4w9WgXcQ", "--caption",
           "Sora: a woman eating noodles", "--no-fetch", "--json"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=_env(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(PROCESSES)]
    time.sleep(3)  # let them import; a slow one only narrows the race, it cannot fail the test
    start.touch()
    outcomes = [(p.wait(timeout=110), p.stderr.read().decode()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in outcomes] == [0] * PROCESSES, [err for _, err in outcomes if err]
    with sqlite3.connect(db) as conn:
        claims = conn.execute("SELECT count(*) FROM kb_claim").fetchone()[0]
        actions = dict(conn.execute("SELECT action, count(*) FROM kb_change GROUP BY action").fetchall())
        checks = conn.execute("SELECT count(*) FROM check_record").fetchone()[0]
    # Seeded once: one "create" per claim and nothing else (a second seed would update or fail).
    assert claims > 100
    assert actions == {"create": claims}
    assert checks == PROCESSES
    assert (tmp_path / "fresh.db.lock").exists()


def test_the_database_file_is_found_in_every_sqlite_url_form():
    from storage.db import sqlite_path

    assert sqlite_path("sqlite:////data/yuntai.db") == Path("/data/yuntai.db")
    assert sqlite_path("sqlite:///file:/data/yuntai.db?mode=ro&uri=true") == Path("/data/yuntai.db")
    assert sqlite_path("sqlite://") is None and sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql://u@h/db") is None
