"""Print what `mutmut run` left behind: the share of mutants killed, per module and in all, and every survivor.

Why a script: mutmut's own output is a progress spinner; the issue wants one figure (killed / checked)
for closing notes, per module because the target (85%) is per module, and a list of survivors to kill
with a test or to justify as equivalent (scripts/mutation_equivalents.md). A module whose mutants were
not run (`make mutation MUTANTS='bot.netguard*'` runs one) says so instead of counting as 0%.

Read from mutmut's own result files (mutants/**/*.py.meta), with mutmut's names for the exit codes.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

MUTANTS = Path("mutants")


def module_of(meta: Path) -> str:
    """mutants/bot/links/hosts.py.meta -> bot.links.hosts"""
    return ".".join(meta.relative_to(MUTANTS).with_suffix("").with_suffix("").parts)


def main() -> int:
    metas = sorted(MUTANTS.rglob("*.py.meta"))
    if not metas:
        print("mutation: no results in mutants/ (run `make mutation` first)")
        return 1
    total: Counter[str] = Counter()
    survivors: list[str] = []
    lines: list[str] = []
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        counts = Counter(status_by_exit_code[code] for code in codes.values())
        total.update(counts)
        survivors += sorted(name for name, code in codes.items() if status_by_exit_code[code] == "survived")
        lines.append(f"  {module_of(meta)}: {describe(counts)}")
    for name in survivors:
        print(f"survived: {name}")
    print("per module:")
    print("\n".join(lines))
    print(f"mutation: {describe(total)}")
    return 0


def describe(counts: Counter[str]) -> str:
    """'killed of checked (share)' plus the other outcomes; 'not run' mutants are left out of the share."""
    checked = sum(v for k, v in counts.items() if k != "not checked")
    killed = counts["killed"]
    others = "".join(f", {v} {k}" for k, v in sorted(counts.items()) if k not in {"killed", "not checked"} and v)
    share = f"{killed / checked:.1%}" if checked else "-"
    return f"{killed} killed of {checked} checked ({share}){others}; {counts['not checked']} not run"


if __name__ == "__main__":
    sys.exit(main())
