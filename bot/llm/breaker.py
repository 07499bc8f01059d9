"""An in-process circuit breaker with "open for N seconds" semantics.

Libraries model "open after N failures for T seconds"; we also need "open for exactly as long as
the server's Retry-After" and "open for ten minutes because the key is wrong". About 40 lines, so
no dependency. Not thread-safe by design: one breaker per summarizer, used from one event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass
class Breaker:
    failure_threshold: int = 5
    cooldown: float = 30.0
    clock: Callable[[], float] = time.monotonic
    state: str = CLOSED
    failures: int = 0
    open_until: float = 0.0
    reason: str = ""

    def allow(self) -> bool:
        """May a request go out now? After the cool-down exactly one probe is let through."""
        if self.state == CLOSED:
            return True
        if self.state == OPEN and self.clock() >= self.open_until:
            self.state = HALF_OPEN
            return True
        return False

    def success(self) -> None:
        self.state, self.failures, self.reason = CLOSED, 0, ""

    def failure(self, reason: str = "transport") -> bool:
        """Count a transport failure; True when this one opened the breaker."""
        self.failures += 1
        if self.state == HALF_OPEN or self.failures >= self.failure_threshold:
            return self.open_for(self.cooldown, reason)
        return False

    def open_for(self, seconds: float, reason: str) -> bool:
        """Stop calling for `seconds`; True when the breaker was not already open (log once)."""
        newly = self.state != OPEN
        self.state = OPEN
        self.open_until = max(self.open_until if not newly else 0.0, self.clock() + seconds)
        self.reason = reason
        return newly

    def remaining(self) -> float:
        return max(0.0, self.open_until - self.clock()) if self.state == OPEN else 0.0
