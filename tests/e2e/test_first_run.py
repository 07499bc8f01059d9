"""First run on a fresh SQLite file with several processes at once (issue 7 point 1, issue 6).

Real processes, because the defect lives between them: each one saw an empty database and tried
to create the tables and seed the knowledge base ("table clip already exists", "UNIQUE constraint
failed: kb_model.id").
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from helpers import zygote

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
# One starter, itself forked by the zygote (tests/helpers/zygote.py: everything is imported already),
# forks the eight processes, so the suite pays no Python start and no import for them. Each child says it
# is ready and waits for the start file, so all eight reach the first-run step within milliseconds of each
# other, as when a supervisor starts them together; each opens its own database connection after the
# fork, exactly as separately started processes do.
STARTER = """
import json, os, sys, time
import adapters.cli, adapters.wiring, storage.bootstrap, storage.seed_files, alembic.command  # noqa
n, ready, start, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
children = []
for i in range(n):
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            open(os.path.join(ready, str(i)), "w").close()
            while not os.path.exists(start):
                time.sleep(0.002)
            code = adapters.cli.main(argv) or 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    children.append(pid)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
print(json.dumps(codes))
"""


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YUNTAI_", "OPENAI_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_eight_checks_on_a_fresh_sqlite_file_all_succeed_and_seed_once(tmp_path):
    db = tmp_path / "fresh.db"
    ready, start = tmp_path / "ready", tmp_path / "go"
    ready.mkdir()
    args = [str(PROCESSES), str(ready), str(start), "check", "https://youtu.be/dQw4w9WgXcQ", "--caption",
            "Sora: a woman eating noodles", "--no-fetch", "--json"]
    proc = zygote.popen(args, code=STARTER, cwd=tmp_path, env=_env(db))
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.01)  # polling for the children's ready files; a slow one only narrows the race
    start.touch()
    out, err = proc.communicate(timeout=110)
    assert proc.returncode == 0, err
    codes = json.loads(out.splitlines()[-1])
    assert codes == [0] * PROCESSES, err
    assert len(out.splitlines()) == PROCESSES + 1  # one JSON result per check, then the exit codes
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
