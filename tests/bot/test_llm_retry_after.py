"""`Retry-After` in all the forms servers send: milliseconds, seconds and an HTTP date."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.llm.client import retry_after


def failure(**headers: str) -> SimpleNamespace:
    return SimpleNamespace(response=SimpleNamespace(headers=headers))


def test_an_http_date_is_turned_into_the_seconds_left() -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    waited = retry_after(failure(**{"retry-after": when}))
    assert waited is not None and 27.0 <= waited <= 30.0


def test_a_date_in_the_past_means_no_wait() -> None:
    assert retry_after(failure(**{"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),  # the finer header wins
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "whenever"}, None),
        ({}, None),
    ],
)
def test_other_forms(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(failure(**headers)) == seconds


def test_no_response_no_wait() -> None:
    assert retry_after(None) is None and retry_after(ValueError("x")) is None
