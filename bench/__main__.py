"""Run every benchmark and print the figures."""

from __future__ import annotations

import sys

from bench import (
    check_speed,
    consensus,
    curation,
    digest_speed,
    discord_speed,
    llm_overhead,
    model_report,
    slack_speed,
    suite_time,
    test_databases,
    votes,
)


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
    votes.main([])  # SQLite and the local Postgres (127.0.0.1:5432)
    print()
    model_report.main([])  # Postgres only
    print()
    slack_speed.main([])
    print()
    discord_speed.main([])  # against the loopback fake Discord
    print()
    test_databases.main([])  # the test suite's Postgres databases: fresh copies against reused ones
    print()
    suite_time.main([])  # `make test`'s pytest, whole and the tests its 30 s target was set on (minutes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
