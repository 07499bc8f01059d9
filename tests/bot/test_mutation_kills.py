"""Tests written to kill mutants that survived `make mutation` in the verdict, signals and classifier modules.

Why a file of its own: each test here pins a behaviour that a one-line mutation changed without any other
test noticing; they assert what a user would see (levels, reasons, found capabilities), not how it is computed.
"""

from __future__ import annotations
