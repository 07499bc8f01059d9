"""When a community's weekly digest is due: a pure rule with the clock passed in.

The rule (issue 11): the community's slot (weekday, hour, time zone) has passed at ``now``; it is the first
slot after the digest was set up or a later one; and that slot's ISO week is not yet posted. When several
slots were missed (the bot was down), only the latest one is due, so a community gets one late digest and
not a burst of stale ones. The week is the ISO week of the slot's date *in the community's time zone*
(``2026-W49``): it names the digest and is the key the storage layer claims exactly once.

Clock changes: a slot at a wall time that does not exist that day (02:30 on a spring-forward night) is
reached when the clocks jump past it, i.e. at the first instant after the gap, the way cron runs jobs of
a skipped hour; a wall time that happens twice (autumn) is reached the first time.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import InputError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ScheduleError(InputError):
    """A digest slot that cannot be right (weekday, hour or minute out of range); one polite line."""


class UnknownTimezone(ScheduleError):
    """A time zone that is not an IANA name; the message suggests the closest ones."""


@dataclass(frozen=True)
class DigestSlot:
    """When a community wants its digest: weekday (0 = Monday), hour and minute of the wall clock in ``timezone``."""

    weekday: int
    hour: int
    minute: int = 0
    timezone: str = "UTC"


@dataclass(frozen=True)
class DueDigest:
    week: str  # ISO week of the slot in the community's time zone, e.g. "2026-W49"
    slot_at: datetime  # the instant the slot was reached, in UTC
    local_date: date  # the slot's date on the community's calendar


@functools.cache
def _zones() -> dict[str, str]:
    names = set(available_timezones()) | {"UTC"}
    return {name.lower(): name for name in names}


def parse_timezone(name: str) -> str:
    """The canonical IANA name for what an admin typed, or UnknownTimezone with up to three suggestions.

    Case is forgiven ("europe/paris" -> "Europe/Paris") and spaces read as underscores; a bare city
    ("Paris") is refused but suggested in full, because several zones can share a city name.
    """
    typed = str(name).strip()
    key = typed.replace(" ", "_").lower()
    zones = _zones()
    if key in zones:
        return zones[key]
    city = [zones[k] for k in sorted(zones) if k.rsplit("/", 1)[-1] == key.rsplit("/", 1)[-1]]
    close = [zones[k] for k in difflib.get_close_matches(key, list(zones), n=3, cutoff=0.6)]
    suggestions = list(dict.fromkeys(city + close))[:3]
    listed = ", ".join(suggestions[:-1]) + " or " + suggestions[-1] if len(suggestions) > 1 else "".join(suggestions)
    hint = f" Did you mean {listed}?" if suggestions else ""
    shown = typed[:60] or "(nothing)"
    raise UnknownTimezone(f"I don't know the time zone '{shown}'.{hint} Use an IANA name such as Europe/Paris, "
                          "America/New_York or UTC.")


def parse_weekday(text: str | int) -> int:
    """0 for Monday ... 6 for Sunday, from a name or its first three letters (any case).

    An int 0..6 is taken as already parsed (Monday = 0, as stored), so a stored slot can be re-validated.
    """
    if isinstance(text, int) and not isinstance(text, bool) and 0 <= text <= 6:
        return text
    key = str(text).strip().lower()
    for i, day in enumerate(WEEKDAYS):
        if key == day or (len(key) >= 3 and day.startswith(key)):
            return i
    close = difflib.get_close_matches(key, WEEKDAYS, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]}?" if close else ""
    raise ScheduleError(f"'{str(text).strip()[:20]}' is not a weekday.{hint} Use a name such as monday or fri.")


def make_slot(weekday: str | int, hour: int | str, timezone: str = "UTC", minute: int | str = 0) -> DigestSlot:
    """Validate what ``/setup digest`` was given and return the slot (raises ScheduleError / UnknownTimezone)."""
    day = parse_weekday(weekday)
    h = _number(hour, "hour", 0, 23)
    m = _number(minute, "minute", 0, 59)
    return DigestSlot(day, h, m, parse_timezone(timezone))


def _number(value: int | str, name: str, low: int, high: int) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not low <= int(text) <= high:
        raise ScheduleError(f"The {name} must be a whole number from {low} to {high} (you gave '{text[:20]}').")
    return int(text)


def iso_week(day: date) -> str:
    """'2026-W49': the ISO year and week of a date (the year can differ from the calendar year around New Year)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def slot_instant(slot: DigestSlot, day: date) -> datetime:
    """The UTC instant the slot's wall time is reached on ``day`` in the slot's time zone (see module doc for DST)."""
    tz = ZoneInfo(slot.timezone)
    wall = datetime.combine(day, time(slot.hour, slot.minute))
    first = wall.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)
    # A gap: the wall time never shows. Find the first instant whose wall time is at or past it.
    a, b = (wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    lo, hi = int(min(a, b).timestamp()), int(max(a, b).timestamp())
    while lo < hi:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got {moment.isoformat()})")
    return moment


def latest_slot(slot: DigestSlot, now: datetime) -> tuple[date, datetime]:
    """The most recent slot reached at or before ``now``: its local date and UTC instant."""
    now = _aware(now, "now")
    local_now = now.astimezone(ZoneInfo(slot.timezone))
    day = local_now.date() - timedelta(days=(local_now.weekday() - slot.weekday) % 7)
    at = slot_instant(slot, day)
    while at > now:
        day -= timedelta(days=7)
        at = slot_instant(slot, day)
    return day, at


def next_slot(slot: DigestSlot, now: datetime) -> datetime:
    """The first slot instant strictly after ``now`` (UTC): when a running scheduler should wake next."""
    day, _ = latest_slot(slot, now)
    return slot_instant(slot, day + timedelta(days=7))


def due_digest(
    slot: DigestSlot, set_up_at: datetime, now: datetime, posted_weeks: frozenset[str] | set[str] | tuple[str, ...]
) -> DueDigest | None:
    """The digest to post now, or None.

    ``set_up_at`` is when the digest slot was (last) configured; a slot exactly at that instant or before it
    is not due (the first due slot is strictly after it). ``posted_weeks`` holds the weeks already posted
    (or claimed) for this community. Only the latest slot at or before ``now`` is ever considered, so
    missed weeks before it are skipped on purpose. ``now`` and ``set_up_at`` must be timezone-aware
    (ValueError otherwise: a naive clock would post at the wrong hour).
    """
    _aware(set_up_at, "set_up_at")
    day, at = latest_slot(slot, now)
    if at <= set_up_at:
        return None
    week = iso_week(day)
    if week in posted_weeks:
        return None
    return DueDigest(week, at, day)
