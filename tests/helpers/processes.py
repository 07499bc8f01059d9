"""Waiting for a process that is not our direct child to end (we cannot wait() on it, only look)."""

from __future__ import annotations

import os
import time


def alive(pid: int) -> bool:
    """Running, or at least not yet a zombie (exited but not reaped by its parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until_ended(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running after {timeout} s"
        time.sleep(0.01)
