"""Run every benchmark and print the figures."""

from __future__ import annotations

import sys

from bench import check_speed


def main() -> int:
    check_speed.main(sys.argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
