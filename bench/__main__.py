"""Run every benchmark and print the figures."""

from __future__ import annotations

import sys

from bench import check_speed, consensus, curation, digest_speed, llm_overhead, slack_speed


def main() -> int:
    check_speed.main([])
    print()
    llm_overhead.main([])
    print()
    consensus.main([])
    print()
    curation.main([])
    digest_speed.main([])
    print()
    slack_speed.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
