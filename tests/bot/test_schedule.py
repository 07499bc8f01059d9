"""The weekly digest's due rule: slots, time zones, missed weeks and clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InputError
from bot.schedule import (
    DigestSlot,
    DueDigest,
    ScheduleError,
    UnknownTimezone,
    due_digest,
    iso_week,
    latest_slot,
    make_slot,
    next_slot,
    parse_timezone,
    slot_instant,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Friday 18:00 in Berlin (CET = UTC+1 in December).
BERLIN_FRIDAY = DigestSlot(weekday=4, hour=18, timezone="Europe/Berlin")
SET_UP = utc(2026, 11, 30, 10, 0)  # Monday of 2026-W49


# --- input --------------------------------------------------------------------------------------------------


def test_make_slot_accepts_names_and_forgives_case():
    assert make_slot("Friday", "18", "europe/berlin") == BERLIN_FRIDAY
    assert make_slot("fri", 18, "Europe/Berlin") == BERLIN_FRIDAY
    assert make_slot("SUN", 2, "America/New_York", minute="30") == DigestSlot(6, 2, 30, "America/New_York")
    assert make_slot("monday", 0) == DigestSlot(0, 0, 0, "UTC")
    assert make_slot(4, 18, "Europe/Berlin") == BERLIN_FRIDAY  # a stored slot re-validated
    assert parse_timezone("utc") == "UTC"
    assert parse_timezone(" america/new york ") == "America/New_York"


@pytest.mark.parametrize(("typed", "message"), [
    ("Europe/Pariss", "I don't know the time zone 'Europe/Pariss'. Did you mean Europe/Paris, Europe/Warsaw or "
                      "Europe/Madrid? Use an IANA name such as Europe/Paris, America/New_York or UTC."),
    ("Paris", "I don't know the time zone 'Paris'. Did you mean Europe/Paris? Use an IANA name such as "
              "Europe/Paris, America/New_York or UTC."),
    ("new york", "I don't know the time zone 'new york'. Did you mean America/New_York? Use an IANA name such as "
                 "Europe/Paris, America/New_York or UTC."),
    ("Mars/Olympus_Mons", "I don't know the time zone 'Mars/Olympus_Mons'. Use an IANA name such as Europe/Paris, "
                          "America/New_York or UTC."),
    ("../../etc/passwd", "I don't know the time zone '../../etc/passwd'. Use an IANA name such as Europe/Paris, "
                         "America/New_York or UTC."),
])
def test_unknown_time_zone_gets_a_polite_line_with_close_names(typed, message):
    with pytest.raises(UnknownTimezone) as e:
        make_slot("friday", 18, typed)
    assert str(e.value) == message
    assert isinstance(e.value, ScheduleError) and isinstance(e.value, InputError)


@pytest.mark.parametrize(("weekday", "hour", "minute", "message"), [
    ("fryday", 18, 0, "'fryday' is not a weekday. Did you mean friday? Use a name such as monday or fri."),
    ("someday", 18, 0, "'someday' is not a weekday. Did you mean sunday? Use a name such as monday or fri."),
    (7, 18, 0, "'7' is not a weekday. Use a name such as monday or fri."),
    ("friday", 24, 0, "The hour must be a whole number from 0 to 23 (you gave '24')."),
    ("friday", -1, 0, "The hour must be a whole number from 0 to 23 (you gave '-1')."),
    ("friday", "noon", 0, "The hour must be a whole number from 0 to 23 (you gave 'noon')."),
    ("friday", 9, 60, "The minute must be a whole number from 0 to 59 (you gave '60')."),
])
def test_bad_slot_parts(weekday, hour, minute, message):
    with pytest.raises(ScheduleError) as e:
        make_slot(weekday, hour, "UTC", minute)
    assert str(e.value) == message


def test_iso_week_names():
    assert iso_week(date(2026, 12, 4)) == "2026-W49"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"  # 2026 has 53 ISO weeks; New Year's Day belongs to it
    assert iso_week(date(2026, 1, 5)) == "2026-W02"


# --- the due rule -------------------------------------------------------------------------------------------


def test_not_due_before_the_slot_due_at_it():
    assert due_digest(BERLIN_FRIDAY, SET_UP, utc(2026, 12, 4, 16, 59, 59), set()) is None
    due = due_digest(BERLIN_FRIDAY, SET_UP, utc(2026, 12, 4, 17, 0), set())
    assert due == DueDigest("2026-W49", utc(2026, 12, 4, 17, 0), date(2026, 12, 4))
    # Any time later that week, still the same digest until it is posted.
    assert due_digest(BERLIN_FRIDAY, SET_UP, utc(2026, 12, 6, 22, 0), set()) == due
    assert due_digest(BERLIN_FRIDAY, SET_UP, utc(2026, 12, 6, 22, 0), {"2026-W49"}) is None


def test_other_offsets_for_now_are_the_same_instant():
    tokyo = timezone(timedelta(hours=9))
    assert due_digest(BERLIN_FRIDAY, SET_UP, datetime(2026, 12, 5, 2, 0, tzinfo=tokyo), set()).week == "2026-W49"
    assert due_digest(BERLIN_FRIDAY, SET_UP, datetime(2026, 12, 5, 1, 59, tzinfo=tokyo), set()) is None


def test_first_slot_must_come_after_set_up():
    set_up = utc(2026, 12, 4, 17, 30)  # Friday 18:30 in Berlin: this week's slot already passed
    assert due_digest(BERLIN_FRIDAY, set_up, utc(2026, 12, 4, 18, 0), set()) is None
    assert due_digest(BERLIN_FRIDAY, set_up, utc(2026, 12, 10, 12, 0), set()) is None
    assert due_digest(BERLIN_FRIDAY, set_up, utc(2026, 12, 11, 17, 0), set()).week == "2026-W50"
    # Set up exactly at the slot instant: that slot is not "after" the set-up.
    assert due_digest(BERLIN_FRIDAY, utc(2026, 12, 4, 17, 0), utc(2026, 12, 4, 17, 5), set()) is None


def test_missed_weeks_post_only_the_latest_once():
    set_up = utc(2026, 11, 1, 9, 0)
    now = utc(2026, 12, 20, 12, 0)  # Sunday of W51: slots of W45..W51 have all passed, nothing posted
    due = due_digest(BERLIN_FRIDAY, set_up, now, set())
    assert due == DueDigest("2026-W51", utc(2026, 12, 18, 17, 0), date(2026, 12, 18))
    # Once W51 is posted, the older missed weeks never come back.
    assert due_digest(BERLIN_FRIDAY, set_up, now, {"2026-W51"}) is None


def test_a_missed_week_is_posted_late_then_the_next_on_time():
    # The bot was down over Friday of W49; it comes back on Tuesday of W50.
    tuesday = utc(2026, 12, 8, 9, 0)
    assert due_digest(BERLIN_FRIDAY, SET_UP, tuesday, set()).week == "2026-W49"
    assert due_digest(BERLIN_FRIDAY, SET_UP, tuesday, {"2026-W49"}) is None
    assert due_digest(BERLIN_FRIDAY, SET_UP, utc(2026, 12, 11, 17, 0), {"2026-W49"}).week == "2026-W50"


def test_week_is_the_communitys_week_not_utcs():
    # Monday 08:00 in Auckland (UTC+13 in summer) is Sunday 19:00 UTC, still ISO week 49 in UTC.
    slot = make_slot("monday", 8, "Pacific/Auckland")
    due = due_digest(slot, SET_UP, utc(2026, 12, 6, 19, 0), set())
    assert due == DueDigest("2026-W50", utc(2026, 12, 6, 19, 0), date(2026, 12, 7))
    assert due_digest(slot, SET_UP, utc(2026, 12, 6, 18, 59), set()) is None


def test_new_year_week_53():
    slot = make_slot("friday", 9, "UTC")
    assert due_digest(slot, SET_UP, utc(2027, 1, 1, 9, 0), set()).week == "2026-W53"


def test_naive_clocks_are_refused():
    with pytest.raises(ValueError):
        due_digest(BERLIN_FRIDAY, SET_UP, datetime(2026, 12, 4, 18, 0), set())
    with pytest.raises(ValueError):
        due_digest(BERLIN_FRIDAY, datetime(2026, 11, 30), utc(2026, 12, 4, 18, 0), set())


# --- clock changes ------------------------------------------------------------------------------------------


def test_spring_forward_slot_in_the_gap_is_reached_when_clocks_jump():
    # Berlin, Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; 02:30 never shows.
    slot = make_slot("sunday", 2, "Europe/Berlin", minute=30)
    assert slot_instant(slot, date(2026, 3, 29)) == utc(2026, 3, 29, 1, 0)
    assert slot_instant(slot, date(2026, 3, 22)) == utc(2026, 3, 22, 1, 30)  # a normal Sunday: 02:30 CET
    set_up = utc(2026, 3, 1)
    assert due_digest(slot, set_up, utc(2026, 3, 29, 0, 59, 59), {"2026-W12"}) is None
    assert due_digest(slot, set_up, utc(2026, 3, 29, 1, 0), {"2026-W12"}) == DueDigest(
        "2026-W13", utc(2026, 3, 29, 1, 0), date(2026, 3, 29))
    assert slot_instant(slot, date(2026, 4, 5)) == utc(2026, 4, 5, 0, 30)  # 02:30 CEST afterwards


def test_spring_forward_new_york():
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
    slot = make_slot("sunday", 2, "America/New_York", minute=30)
    assert slot_instant(slot, date(2026, 3, 8)) == utc(2026, 3, 8, 7, 0)
    assert latest_slot(slot, utc(2026, 3, 8, 6, 59)) == (date(2026, 3, 1), utc(2026, 3, 1, 7, 30))
    assert latest_slot(slot, utc(2026, 3, 8, 7, 0)) == (date(2026, 3, 8), utc(2026, 3, 8, 7, 0))


def test_fall_back_slot_happens_once_at_its_first_occurrence():
    # Berlin, Sunday 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00 UTC; 02:30 shows twice.
    slot = make_slot("sunday", 2, "Europe/Berlin", minute=30)
    assert slot_instant(slot, date(2026, 10, 25)) == utc(2026, 10, 25, 0, 30)
    set_up = utc(2026, 10, 1)
    due = due_digest(slot, set_up, utc(2026, 10, 25, 0, 30), {"2026-W42"})
    assert due == DueDigest("2026-W43", utc(2026, 10, 25, 0, 30), date(2026, 10, 25))
    assert due_digest(slot, set_up, utc(2026, 10, 25, 1, 30), {"2026-W42", "2026-W43"}) is None


def test_the_utc_time_of_a_slot_moves_with_summer_time():
    slot = make_slot("sunday", 18, "Europe/Berlin")
    assert slot_instant(slot, date(2026, 3, 22)) == utc(2026, 3, 22, 17, 0)
    assert slot_instant(slot, date(2026, 3, 29)) == utc(2026, 3, 29, 16, 0)


def test_next_slot_is_strictly_after_now():
    assert next_slot(BERLIN_FRIDAY, utc(2026, 12, 4, 16, 0)) == utc(2026, 12, 4, 17, 0)
    assert next_slot(BERLIN_FRIDAY, utc(2026, 12, 4, 17, 0)) == utc(2026, 12, 11, 17, 0)
    spring = make_slot("sunday", 2, "Europe/Berlin", minute=30)
    assert next_slot(spring, utc(2026, 3, 25)) == utc(2026, 3, 29, 1, 0)


# --- properties over many zones and instants ----------------------------------------------------------------

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Auckland", "Asia/Kolkata",
         "America/Santiago", "Europe/London", "Pacific/Chatham", "America/St_Johns")


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), weekday=st.integers(0, 6), hour=st.integers(0, 23),
       minute=st.sampled_from((0, 15, 30, 45)),
       now=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)))
def test_latest_and_next_slot_bracket_now(zone, weekday, hour, minute, now):
    slot = DigestSlot(weekday, hour, minute, zone)
    day, at = latest_slot(slot, now)
    after = next_slot(slot, now)
    assert at <= now < after
    assert day.weekday() == weekday
    # One week apart, give or take the clock changes (Lord Howe shifts by 30 minutes, others by an hour).
    assert timedelta(days=7) - timedelta(hours=2) <= after - at <= timedelta(days=7) + timedelta(hours=2)
    # The slot's wall time is what the community's clock shows then, unless that wall time did not exist.
    local = at.astimezone(ZoneInfo(zone))
    if (local.hour, local.minute) != (hour, minute):  # in a gap: reached when the clocks jump past it
        late = local.replace(tzinfo=None) - datetime(day.year, day.month, day.day, hour, minute)
        assert timedelta(0) < late <= timedelta(hours=1)
    due = due_digest(slot, datetime(2023, 12, 1, tzinfo=UTC), now, set())
    assert due == DueDigest(iso_week(day), at, day)


# --- edges (mutation testing) -------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "message"), [
    # exactly two suggestions read "A or B"; a bare city is matched on the last part of every zone name
    ("Xx/Yy/Buenos Aires", "I don't know the time zone 'Xx/Yy/Buenos Aires'. Did you mean "
                           "America/Argentina/Buenos_Aires or America/Buenos_Aires? Use an IANA name such as "
                           "Europe/Paris, America/New_York or UTC."),
    # the city and three close names: three suggestions at most
    ("Asia/Paris", "I don't know the time zone 'Asia/Paris'. Did you mean Europe/Paris, Asia/Harbin or "
                   "Asia/Karachi? Use an IANA name such as Europe/Paris, America/New_York or UTC."),
    ("", "I don't know the time zone '(nothing)'. Use an IANA name such as Europe/Paris, America/New_York or UTC."),
    ("Q" * 70, f"I don't know the time zone '{'Q' * 60}'. Use an IANA name such as Europe/Paris, America/New_York "
               "or UTC."),
])
def test_time_zone_suggestions_at_their_edges(typed, message):
    with pytest.raises(UnknownTimezone) as e:
        parse_timezone(typed)
    assert str(e.value) == message


@pytest.mark.parametrize(("weekday", "hour", "minute", "message"), [
    ("sat.", 18, 0, "'sat.' is not a weekday. Did you mean saturday? Use a name such as monday or fri."),
    ("z" * 30, 18, 0, f"'{'z' * 20}' is not a weekday. Use a name such as monday or fri."),
    ("friday", "9" * 30, 0, f"The hour must be a whole number from 0 to 23 (you gave '{'9' * 20}')."),
])
def test_bad_slot_parts_quote_at_most_20_characters_and_a_near_weekday(weekday, hour, minute, message):
    with pytest.raises(ScheduleError) as e:
        make_slot(weekday, hour, "UTC", minute)
    assert str(e.value) == message


def test_the_last_hour_minute_and_weekday_are_slots():
    assert make_slot("sunday", 23, "UTC", 59) == DigestSlot(6, 23, 59, "UTC")
    assert make_slot(6, "23") == DigestSlot(6, 23, 0, "UTC")  # a stored Sunday slot re-validated


class _NoOffset(tzinfo):
    """A time zone that does not know its offset (tzinfo set, utcoffset() None): as good as naive."""

    def utcoffset(self, dt):
        return None

    def dst(self, dt):
        return None


def test_a_clock_without_an_offset_is_refused_and_the_message_names_it():
    with pytest.raises(ValueError) as e:
        due_digest(BERLIN_FRIDAY, SET_UP, datetime(2026, 12, 4, 18, 0, tzinfo=_NoOffset()), set())
    assert str(e.value) == "now must be timezone-aware (got 2026-12-04T18:00:00)"
    with pytest.raises(ValueError) as e:
        due_digest(BERLIN_FRIDAY, datetime(2026, 11, 30), utc(2026, 12, 4, 18, 0), set())
    assert str(e.value) == "set_up_at must be timezone-aware (got 2026-11-30T00:00:00)"


@pytest.mark.parametrize(("zone", "day", "minute", "jump"), [
    ("Europe/Berlin", date(2026, 3, 29), 1, utc(2026, 3, 29, 1, 0)),
    ("Europe/Berlin", date(2026, 3, 29), 15, utc(2026, 3, 29, 1, 0)),
    ("America/New_York", date(2026, 3, 8), 59, utc(2026, 3, 8, 7, 0)),
])
def test_a_slot_in_the_gap_is_reached_at_the_jump_to_the_second(zone, day, minute, jump):
    assert slot_instant(DigestSlot(day.weekday(), 2, minute, zone), day) == jump


def test_slot_instants_are_in_utc_whatever_the_hosts_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        at = slot_instant(BERLIN_FRIDAY, date(2026, 12, 4))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert at.utcoffset() == timedelta(0) and at.isoformat() == "2026-12-04T17:00:00+00:00"
