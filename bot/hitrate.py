"""Attempt reports ("I tried Kling on walk-and-talk 15 times, 2 were usable") and the hit rates they add up to.

A vendor's demo is the best of many takes; members' own tries are the evidence of what a typical take
looks like. So the verdict may call a clip ``representative`` on community evidence only when enough
tries, from more than one member, put the lower end of the hit rate's Wilson interval at or above one
half: then a usable take is the usual outcome, not the lucky one. Pooled over reports, not averaged per
report, because a report of 40 tries says more than one of 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.consensus import WILSON_Z, wilson_interval
from bot.errors import InputError

MAX_TRIES_PER_REPORT = 1000

BANDS = ("not_enough", "usually_works", "hit_and_miss", "rarely_works")


class AttemptError(InputError):
    """An attempt report that cannot be right (usable > tries, negative, absurdly large, not a number)."""


@dataclass(frozen=True)
class Attempt:
    """One member's report for one model x capability (already validated by ``validate_attempt``)."""

    member: str
    model: str
    capability: str
    tries: int
    usable: int


@dataclass(frozen=True)
class HitRateRule:
    """When community attempts are evidence, and what they say.

    ``min_tries`` in total from at least ``min_members`` members before any band but ``not_enough``;
    ``usually_works`` when the interval's lower end is >= ``confirm_lower`` (this is what confirms a clip as
    representative), ``rarely_works`` when its upper end is < ``poor_upper`` (a good-looking clip is then
    a lucky take), ``hit_and_miss`` in between. ``z`` = 1.28 is an 80 % two-sided interval, the same
    confidence the vote consensus uses.
    """

    min_tries: int = 20
    min_members: int = 2
    confirm_lower: float = 0.5
    poor_upper: float = 0.25
    z: float = WILSON_Z


DEFAULT_RULE = HitRateRule()


@dataclass(frozen=True)
class HitRate:
    model: str
    capability: str
    tries: int
    usable: int
    reports: int
    members: int
    rate: float  # usable / tries (0.0 without tries)
    low: float  # Wilson interval at the rule's z
    high: float
    band: str  # one of BANDS

    @property
    def confirms(self) -> bool:
        """True when community attempts confirm that a usable take is typical (the verdict's evidence)."""
        return self.band == "usually_works"

    def describe(self) -> str:
        """One line a member can check, e.g. '2 of 15 tries usable (13%, likely 6-28%) from 1 report by 1 member'."""
        reports = f"{self.reports} report" + ("" if self.reports == 1 else "s")
        members = f"{self.members} member" + ("" if self.members == 1 else "s")
        return (f"{self.usable} of {self.tries} tries usable ({self.rate:.0%}, likely {self.low * 100:.0f}-"
                f"{self.high * 100:.0f}%) from {reports} by {members}")


def _whole_number(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise AttemptError(f"{name} must be a whole number, not {value}.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace(",", "").replace("_", "")
    if text.lstrip("+-").isdigit() and len(text) <= 12:
        return int(text)
    shown = str(value).strip()[:20] or "(nothing)"
    raise AttemptError(f"{name} must be a whole number, like 15; '{shown}' is not one.")


def validate_attempt(tries: object, usable: object) -> tuple[int, int]:
    """Check the two numbers of a ``/tried`` report and return them as ints, or raise AttemptError.

    Accepts ints and digit strings (what the console and Slack hand over); refuses booleans, fractions,
    zero or negative tries, negative usable, usable above tries, and more than MAX_TRIES_PER_REPORT tries
    (a typo far more often than a real afternoon of prompting). Messages are one polite line.
    """
    t = _whole_number(tries, "tries")
    u = _whole_number(usable, "usable")
    if t < 1:
        raise AttemptError(f"tries must be at least 1 (you gave {t}).")
    if u < 0:
        raise AttemptError(f"usable can't be negative (you gave {u}).")
    if u > t:
        raise AttemptError(f"You reported {u} usable out of {t} tries: usable can't be more than tries.")
    if t > MAX_TRIES_PER_REPORT:
        raise AttemptError(f"{t:,} tries in one report looks like a typo: report at most "
                           f"{MAX_TRIES_PER_REPORT:,} at a time.")
    return t, u


def hit_rate(model: str, capability: str, attempts: Iterable[Attempt], rule: HitRateRule = DEFAULT_RULE) -> HitRate:
    """Pool the reports for one model x capability (reports for other pairs are ignored)."""
    tries = usable = reports = 0
    members: set[str] = set()
    for a in attempts:
        if a.model != model or a.capability != capability:
            continue
        tries += a.tries
        usable += a.usable
        reports += 1
        members.add(a.member)
    return _rate(model, capability, tries, usable, reports, len(members), rule)


def hit_rates(attempts: Iterable[Attempt], rule: HitRateRule = DEFAULT_RULE) -> dict[tuple[str, str], HitRate]:
    """Every model x capability with at least one report -> its pooled hit rate.

    Pass one community's attempts (or several communities' for those that share them); the caller picks.
    """
    pooled: dict[tuple[str, str], list] = {}
    for a in attempts:
        cell = pooled.setdefault((a.model, a.capability), [0, 0, 0, set()])
        cell[0] += a.tries
        cell[1] += a.usable
        cell[2] += 1
        cell[3].add(a.member)
    return {key: _rate(key[0], key[1], t, u, r, len(m), rule) for key, (t, u, r, m) in pooled.items()}


def _rate(model: str, capability: str, tries: int, usable: int, reports: int, members: int,
          rule: HitRateRule) -> HitRate:
    low, high = wilson_interval(usable, tries, rule.z)
    rate = usable / tries if tries else 0.0
    if tries < rule.min_tries or members < rule.min_members:
        band = "not_enough"
    elif low >= rule.confirm_lower:
        band = "usually_works"
    elif high < rule.poor_upper:
        band = "rarely_works"
    else:
        band = "hit_and_miss"
    return HitRate(model, capability, tries, usable, reports, members, rate, low, high, band)
