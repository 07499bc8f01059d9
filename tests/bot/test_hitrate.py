"""Attempt reports: validation, pooled hit rates with a Wilson interval, and when they confirm a clip."""

from __future__ import annotations

import pytest

from bot.errors import InputError
from bot.hitrate import (
    DEFAULT_RULE,
    MAX_TRIES_PER_REPORT,
    Attempt,
    AttemptError,
    HitRateRule,
    hit_rate,
    hit_rates,
    validate_attempt,
)


@pytest.mark.parametrize(("tries", "usable", "expected"), [
    (15, 2, (15, 2)), ("15", "2", (15, 2)), (" 20 ", "0", (20, 0)), (1, 1, (1, 1)), (12.0, 3, (12, 3)),
    ("1,000", "10", (1000, 10)), (MAX_TRIES_PER_REPORT, MAX_TRIES_PER_REPORT, (1000, 1000)),
])
def test_valid_reports(tries, usable, expected):
    assert validate_attempt(tries, usable) == expected


@pytest.mark.parametrize(("tries", "usable", "message"), [
    (3, 5, "You reported 5 usable out of 3 tries: usable can't be more than tries."),
    (0, 0, "tries must be at least 1 (you gave 0)."),
    (-4, 0, "tries must be at least 1 (you gave -4)."),
    (10, -1, "usable can't be negative (you gave -1)."),
    (1001, 3, "1,001 tries in one report looks like a typo: report at most 1,000 at a time."),
    (10**15, 3, "1,000,000,000,000,000 tries in one report looks like a typo: report at most 1,000 at a time."),
    ("9" * 40, 3, "tries must be a whole number, like 15; '99999999999999999999' is not one."),
    ("ten", 3, "tries must be a whole number, like 15; 'ten' is not one."),
    (10, 2.5, "usable must be a whole number, like 15; '2.5' is not one."),
    (True, 1, "tries must be a whole number, not True."),
    ("", 1, "tries must be a whole number, like 15; '(nothing)' is not one."),
    (float("nan"), 1, "tries must be a whole number, like 15; 'nan' is not one."),
])
def test_bad_reports_get_one_polite_line(tries, usable, message):
    with pytest.raises(AttemptError) as e:
        validate_attempt(tries, usable)
    assert str(e.value) == message
    assert isinstance(e.value, InputError)


def test_pooled_rate_with_wilson_interval():
    attempts = [Attempt("ann", "kling", "talking", 15, 2), Attempt("bob", "kling", "talking", 5, 0),
                Attempt("ann", "kling", "walking", 10, 9), Attempt("cid", "sora", "talking", 4, 4)]
    rate = hit_rate("kling", "talking", attempts)
    assert (rate.tries, rate.usable, rate.reports, rate.members) == (20, 2, 2, 2)
    assert rate.rate == pytest.approx(0.1)
    assert rate.low == pytest.approx(0.0424, abs=1e-4) and rate.high == pytest.approx(0.2182, abs=1e-4)
    assert rate.band == "rarely_works" and not rate.confirms
    assert set(hit_rates(attempts)) == {("kling", "talking"), ("kling", "walking"), ("sora", "talking")}
    assert hit_rates(attempts)[("kling", "talking")] == rate


def test_describe_is_checkable():
    rate = hit_rate("kling", "talking", [Attempt("ann", "kling", "talking", 15, 2)])
    assert rate.describe() == "2 of 15 tries usable (13%, likely 6-28%) from 1 report by 1 member"


def test_confirmation_needs_enough_tries_from_more_than_one_member():
    one_member = [Attempt("ann", "m", "c", 20, 20)]
    assert hit_rate("m", "c", one_member).band == "not_enough"
    few = [Attempt("ann", "m", "c", 10, 10), Attempt("bob", "m", "c", 9, 9)]
    assert hit_rate("m", "c", few).band == "not_enough"  # 19 tries < 20
    enough = [Attempt("ann", "m", "c", 10, 10), Attempt("bob", "m", "c", 10, 10)]
    rate = hit_rate("m", "c", enough)
    assert rate.band == "usually_works" and rate.confirms and rate.low == pytest.approx(0.9243, abs=1e-4)


@pytest.mark.parametrize(("usable", "band"), [(18, "usually_works"), (12, "hit_and_miss"), (14, "hit_and_miss")])
def test_bands_at_24_tries(usable, band):
    # 18/24: lower 0.6234 >= 0.5; 14/24: lower 0.4533 < 0.5, upper 0.7028; 12/24: 0.3736-0.6264.
    attempts = [Attempt("ann", "m", "c", 12, usable // 2), Attempt("bob", "m", "c", 12, usable - usable // 2)]
    assert hit_rate("m", "c", attempts).band == band


def test_rule_is_a_parameter_and_no_reports_means_not_enough():
    attempts = [Attempt("ann", "m", "c", 24, 14), Attempt("bob", "m", "c", 1, 1)]
    assert hit_rate("m", "c", attempts).band == "hit_and_miss"
    assert hit_rate("m", "c", attempts, HitRateRule(confirm_lower=0.45)).band == "usually_works"
    none = hit_rate("m", "other", attempts)
    assert (none.tries, none.band, none.low, none.high) == (0, "not_enough", 0.0, 1.0)


def test_describe_counts_several_reports_and_members_and_gives_the_interval_in_whole_percent():
    # 18/24 at z = 1.28: 0.6234-0.8446, the same interval test_bands_at_24_tries reads as usually_works
    attempts = [Attempt("ann", "m", "c", 12, 9), Attempt("bob", "m", "c", 12, 9)]
    assert hit_rate("m", "c", attempts).describe() == (
        "18 of 24 tries usable (75%, likely 62-84%) from 2 reports by 2 members")
    # one member's two reports: plural reports, singular member
    mine = [Attempt("ann", "m", "c", 12, 9), Attempt("ann", "m", "c", 12, 9)]
    assert hit_rate("m", "c", mine).describe().endswith(" from 2 reports by 1 member")


@pytest.mark.parametrize(("tries", "usable", "expected"), [
    ("1_000", "5", (1000, 5)),  # a digit-group underscore, as Python writes it
    ("+15", "2", (15, 2)),
])
def test_more_ways_to_write_a_whole_number(tries, usable, expected):
    assert validate_attempt(tries, usable) == expected


@pytest.mark.parametrize(("tries", "message"), [
    ("-4", "tries must be at least 1 (you gave -4)."),  # a negative number, not a non-number
    ("X5", "tries must be a whole number, like 15; 'X5' is not one."),
    # twelve characters are still read as a number (and refused as a typo); thirteen are not a number at all
    ("1" + "0" * 11, "100,000,000,000 tries in one report looks like a typo: report at most 1,000 at a time."),
    ("1" + "0" * 12, "tries must be a whole number, like 15; '1000000000000' is not one."),
])
def test_edges_of_what_reads_as_a_number(tries, message):
    with pytest.raises(AttemptError) as e:
        validate_attempt(tries, 1)
    assert str(e.value) == message


def test_reports_for_other_pairs_before_the_asked_one_are_skipped_not_the_end():
    attempts = [Attempt("ann", "kling", "talking", 15, 2), Attempt("bob", "sora", "walking", 3, 3),
                Attempt("ann", "kling", "walking", 10, 9)]
    rate = hit_rate("kling", "walking", attempts)
    assert (rate.tries, rate.usable, rate.reports, rate.members) == (10, 9, 1, 1)


def test_no_tries_is_a_rate_of_zero():
    rate = hit_rate("m", "c", [])
    assert (rate.tries, rate.rate) == (0, 0.0)
    assert rate.describe() == "0 of 0 tries usable (0%, likely 0-100%) from 0 reports by 0 members"


def test_the_rules_interval_and_its_edges_are_inclusive_for_usually_and_strict_for_rarely():
    from bot.consensus import wilson_interval

    attempts = [Attempt("ann", "m", "c", 12, 9), Attempt("bob", "m", "c", 12, 9)]
    wide = hit_rate("m", "c", attempts, HitRateRule(z=1.96))
    assert (wide.low, wide.high) == wilson_interval(18, 24, 1.96)
    low, high = wilson_interval(18, 24, DEFAULT_RULE.z)
    # a lower end exactly at confirm_lower confirms
    assert hit_rate("m", "c", attempts, HitRateRule(confirm_lower=low)).band == "usually_works"
    poor = [Attempt("ann", "m", "c", 12, 1), Attempt("bob", "m", "c", 12, 1)]
    low, high = wilson_interval(2, 24, DEFAULT_RULE.z)
    # an upper end exactly at poor_upper is not yet "rarely works"
    assert hit_rate("m", "c", poor, HitRateRule(poor_upper=high)).band == "hit_and_miss"
    assert hit_rate("m", "c", poor, HitRateRule(poor_upper=high + 1e-9)).band == "rarely_works"
