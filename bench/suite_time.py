"""How long `make test` takes: the whole suite, and the tests its 30 s target was set on.

Issue 8 set "the whole suite under 30 s on this machine, with the same tests" when the suite had 805
tests (commit 5bf7b8f, 250 test functions). The suite has grown since with every later issue. This runs,
alternately, the whole suite and today's tests that carry the name of one of those functions (so a test
rewritten in place still counts; one renamed or removed since is listed), with the options `make test`
gives pytest (pyproject.toml: `-n auto`, one worker per core plus one). Figures: wall time and the
machine's busy CPU time (/proc/stat, every process: workers, `yuntai` children, Postgres), medians over
the rounds, and the subset's ratio to the whole suite measured in the same run. Run it on an otherwise
idle machine; it needs the git history (not a shallow clone) to read the old test names.

    python -m bench.suite_time [--rounds 3] [--base 5bf7b8f]

Also a pytest plugin (`-p bench.suite_time`): with YUNTAI_BENCH_TEST_NAMES naming a file of test
function names, one per line, it keeps only the tests of those names.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.test_databases import busy_seconds, rounds_arg

ROOT = Path(__file__).resolve().parents[1]
BASE = "5bf7b8f"  # the suite of 805 tests the target was set on (2026-11-24)
NAMES_ENV = "YUNTAI_BENCH_TEST_NAMES"


def test_names_at(commit: str) -> set[str]:
    """The test functions (module level or in a class) of every tests/**/test_*.py file at `commit`."""
    listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", commit, "tests"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    names: set[str] = set()
    for path in listed:
        if not re.fullmatch(r"(.*/)?test_[^/]*\.py", path):
            continue
        source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                names.add(node.name)
    return names


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """As a plugin: keep only the tests named in the file YUNTAI_BENCH_TEST_NAMES names."""
    listing = os.environ.get(NAMES_ENV)
    if not listing:
        return
    try:
        wanted = set(Path(listing).read_text(encoding="utf-8").split())
    except (OSError, UnicodeDecodeError) as exc:
        import pytest

        raise pytest.UsageError(f"{NAMES_ENV}={listing}: can't read the test names ({exc})") from None
    kept = [item for item in items if getattr(item, "originalname", item.name) in wanted]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


def split_node_id(node_id: str) -> tuple[str, str]:
    """A node id's file and test function: `f.py::test_x[a::1]` is (f.py, test_x), whatever the parameters hold."""
    path, *_, name = node_id.split("[", 1)[0].split("::")
    return path, name


def collect(env: dict[str, str]) -> list[str]:
    """Every test's node id, as `make test` would collect them (in one process)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=", "-n", "0",
                           "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"suite time: pytest could not collect the suite (exit {done.returncode}):\n"
                         f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return [line for line in done.stdout.splitlines() if "::" in line]


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    b0, t0 = busy_seconds(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    wall, busy = time.perf_counter() - t0, busy_seconds() - b0
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0:
        raise SystemExit(f"pytest failed (exit {done.returncode}): {last}\n{done.stdout[-2000:]}")
    return wall, busy, last


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=rounds_arg, default=3, help="runs of each, alternating, 1-1000 (default 3)")
    ap.add_argument("--base", default=BASE, help=f"the commit whose test names make the subset (default {BASE})")
    args = ap.parse_args(argv)
    if args.base.startswith("-"):
        ap.error(f"--base {args.base!r} is not a commit")  # git would read it as an option
    try:
        old = test_names_at(args.base)
    except FileNotFoundError:
        print("suite time: skipped, git is not installed (it reads the old test names from the history)")
        return 0
    except subprocess.CalledProcessError:
        shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip() == "true"
        print(f"suite time: skipped, {args.base} is not a commit in this checkout's history"
              + (" (a shallow clone: `git fetch --unshallow`)" if shallow else ""))
        return 0
    if not old:
        raise SystemExit(f"suite time: {args.base} has no test functions under tests/")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    ids = collect(env)
    now = {split_node_id(node)[1] for node in ids}
    chosen = [node for node in ids if split_node_id(node)[1] in old]
    files = sorted({split_node_id(node)[0] for node in chosen})
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(sorted(old)) + "\n")
    subset_env = {**env, NAMES_ENV: listing.name}
    gone = sorted(old - now)
    print(f"suite time (`make test`'s pytest, medians of {args.rounds} alternating runs; busy = CPU-s of the "
          "whole machine)")
    print(f"  whole suite: {len(ids)} tests. Same tests as at {args.base}: {len(chosen)} tests, of the "
          f"{len(old) - len(gone)} of its {len(old)} test functions that still exist by name, in {len(files)} files")
    if gone:
        print(f"  gone or renamed since: {', '.join(gone)}")
    whole: list[tuple[float, float]] = []
    subset: list[tuple[float, float]] = []
    try:
        for i in range(args.rounds):
            wall, busy, last = run([], env)
            whole.append((wall, busy))
            print(f"  round {i + 1} whole suite   {wall:6.1f} s wall {busy:6.1f} CPU-s   {last}")
            wall, busy, last = run(["-p", "bench.suite_time", *files], subset_env)
            subset.append((wall, busy))
            print(f"  round {i + 1} same tests    {wall:6.1f} s wall {busy:6.1f} CPU-s   {last}")
    finally:
        os.unlink(listing.name)
    w_wall, w_busy = (statistics.median(x) for x in zip(*whole, strict=True))
    s_wall, s_busy = (statistics.median(x) for x in zip(*subset, strict=True))
    print(f"  median whole suite {w_wall:6.1f} s wall {w_busy:6.1f} CPU-s")
    print(f"  median same tests  {s_wall:6.1f} s wall {s_busy:6.1f} CPU-s   ratio to whole: wall "
          f"{s_wall / w_wall:.2f}, CPU {s_busy / w_busy:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
