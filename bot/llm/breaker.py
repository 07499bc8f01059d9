"""An in-process circuit breaker with "open for N seconds" semantics.

Libraries model "open after N failures for T seconds"; we also need "open for exactly as long as
the server's Retry-After" and "open for ten minutes because the key is wrong". About 60 lines, so
no dependency. Not thread-safe by design: one breaker per summarizer, used from one event loop.

Half-open: after the cool-down one probe goes out. The probe normally ends in `success()` or
`failure()`; if it ends any other way (cancelled, its loop closed, a BaseException) the caller
calls `abandon_probe()` from a `finally`, and as a last resort the probe holds only a lease: once it
started more than `cooldown` ago, the next caller may probe again. So HALF_OPEN never sticks.

Reasons: a config reason (the key, the model, the quota: an operator must act) is not replaced by
a later transport reason while the breaker stays open, and it is reported once even when the
breaker was already open for transport failures.
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
    config: bool = False  # `reason` is a config reason (kept over transport reasons while open)
    probe_started: float = 0.0

    def allow(self) -> bool:
        """May a request go out now? After the cool-down exactly one probe is let through."""
        if self.state == CLOSED:
            return True
        now = self.clock()
        if self.state == OPEN and now >= self.open_until:
            self.state, self.probe_started = HALF_OPEN, now
            return True
        if self.state == HALF_OPEN and now - self.probe_started >= self.cooldown:
            self.probe_started = now  # the last probe never reported back: its lease ran out
            return True
        return False

    def success(self) -> None:
        self.state, self.failures, self.reason, self.config = CLOSED, 0, "", False

    def failure(self, reason: str = "transport") -> bool:
        """Count a transport failure; True when this one opened the breaker."""
        self.failures += 1
        if self.state == HALF_OPEN or self.failures >= self.failure_threshold:
            return self.open_for(self.cooldown, reason)
        return False

    def abandon_probe(self) -> None:
        """The probe ended without success or failure: back to OPEN, the next caller probes."""
        if self.state == HALF_OPEN:
            self.state, self.open_until = OPEN, self.clock()

    def open_for(self, seconds: float, reason: str, *, config: bool = False) -> bool:
        """Stop calling for `seconds`; True when this should be logged: the breaker was not open
        yet, or this is the first config reason of this opening."""
        newly = self.state != OPEN
        first_config = config and (newly or not self.config)
        self.state = OPEN
        self.open_until = max(self.open_until if not newly else 0.0, self.clock() + seconds)
        if config or newly or not self.config:
            self.reason = reason
        if newly:
            self.config = config
        else:
            self.config = self.config or config
        return newly or first_config

    def remaining(self) -> float:
        return max(0.0, self.open_until - self.clock()) if self.state == OPEN else 0.0
