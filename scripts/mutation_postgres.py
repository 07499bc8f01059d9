"""Check mutants that survived `make mutation` against the storage tests' Postgres cases.

Why: `make mutation` runs the storage tests on SQLite only (each Postgres case copies a database, which made a
surviving mutant cost ~30 s). Code that only Postgres runs (the `FOR UPDATE` vote path, the Postgres JSON
queries, the dialect's own INSERT ... ON CONFLICT) therefore survives there without being untested. This
runs each named mutant with the Postgres cases of the given tests and prints which of them those kill.

Usage (after `make mutation`, from the checkout):
    .venv/bin/python scripts/mutation_postgres.py 'storage.repositories.digests.*' [--tests tests/storage/x.py ...]
A pattern matches mutmut's names (fnmatch); only mutants that survived are run.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

MUTANTS = Path("mutants")
DEFAULT_TESTS = ["tests/storage/", "--ignore=tests/storage/test_kb_files_cli.py",
                 "--ignore=tests/storage/test_read_only_folder.py", "--ignore=tests/storage/test_sqlite_location.py"]


def survivors(patterns: list[str]) -> list[str]:
    found = []
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code == 0 and any(fnmatch.fnmatch(name, p) for p in patterns):
                found.append(name)
    return found


def killed_on_postgres(name: str, tests: list[str]) -> bool:
    """True when some Postgres case fails with the mutant switched on (pytest exit 1)."""
    env = dict(os.environ, MUTANT_UNDER_TEST=name)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", "-q", "-n", "0", "-k", "postgres",
           "--rootdir=.", *tests]
    done = subprocess.run(cmd, cwd=MUTANTS, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{name}: pytest exit {done.returncode}\n{done.stdout[-2000:]}")
    return done.returncode == 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="+")
    parser.add_argument("--tests", nargs="+", default=DEFAULT_TESTS)
    args = parser.parse_args(argv)
    names = survivors(args.patterns)
    killed = 0
    for name in names:
        if killed_on_postgres(name, args.tests):
            killed += 1
            print(f"killed on postgres: {name}", flush=True)
        else:
            print(f"survived postgres too: {name}", flush=True)
    print(f"postgres: {killed} of {len(names)} SQLite survivors killed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
