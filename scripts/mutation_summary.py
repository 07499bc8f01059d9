"""Print what `mutmut run` left behind: the share of mutants killed and every survivor.

Why a script: mutmut's own output is a progress spinner; the issue wants one figure (killed / checked)
for closing notes and a list of survivors to kill with a test or to justify as equivalent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

STATS = Path("mutants/mutmut-cicd-stats.json")


def main() -> int:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    subprocess.run([mutmut, "export-cicd-stats"], check=True, capture_output=True)
    stats = json.loads(STATS.read_text())
    killed, survived = stats["killed"], stats["survived"]
    others = {k: v for k, v in stats.items() if k not in {"killed", "survived", "total"} and v}
    checked = killed + survived + sum(others.values())
    results = subprocess.run([mutmut, "results"], check=True, capture_output=True, text=True).stdout
    survivors = [line.strip().split(":")[0] for line in results.splitlines() if line.strip().endswith(": survived")]
    for name in survivors:
        print(f"survived: {name}")
    share = killed / checked if checked else 0.0
    extra = "".join(f", {v} {k}" for k, v in sorted(others.items()))
    print(f"mutation: {killed} killed of {checked} checked ({share:.1%}), {survived} survived{extra}; "
          f"{stats['total'] - checked} not run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
