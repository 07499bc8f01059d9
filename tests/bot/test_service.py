"""CheckService wiring: metadata cache and fetch, explicit options first, nothing stored on errors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from bot.errors import CaptionTooLong
from bot.links import LinkError
from bot.ports import CachedMetadata
from bot.service import CheckRequest, CheckService
from bot.signals import UnknownModel, UnknownWorkflow
from tests.conftest import FixedKnowledge, MemoryCache


@dataclass
class FakeMeta:
    title: str | None
    description: str | None
    author: str | None = None
    source: str = "oembed"
    video: bool | None = None


@dataclass
class FakeOutcome:
    fetched: bool
    metadata: FakeMeta | None
    error: str | None


class FakeSource:
    def __init__(self, outcome: FakeOutcome) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, str]] = []

    async def fetch(self, canonical_url: str, platform: str) -> FakeOutcome:
        self.calls.append((canonical_url, platform))
        return self.outcome


class Log:
    def __init__(self) -> None:
        self.rows: list = []

    def record_checks(self, records) -> None:
        self.rows.extend((r.community_id, r.platform, r.video_id, r.result.level) for r in records)


def service(tiny_kb, source=None):
    cache, log = MemoryCache(), Log()
    svc = CheckService(FixedKnowledge(tiny_kb), metadata_cache=cache, metadata_source=source, check_log=log)
    return svc, cache, log


def check(svc, actor, **kw):
    return asyncio.run(svc.check(CheckRequest(**kw), actor))


def test_fetched_title_feeds_the_signals_and_is_cached(tiny_kb, actor):
    source = FakeSource(FakeOutcome(True, FakeMeta("Sora: woman eating noodles", "made with Sora"), None))
    svc, cache, log = service(tiny_kb, source)
    r = check(svc, actor, url="https://youtu.be/dQw4w9WgXcQ")
    assert r.clip.fetched and r.clip.title == "Sora: woman eating noodles"
    assert r.signals.model.source == "metadata" and r.level == "stress_test"
    assert source.calls == [("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube")]
    check(svc, actor, url="https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share")
    assert len(source.calls) == 1  # second check served from the cache
    assert len(log.rows) == 2 and log.rows[0] == ("console:local", "youtube", "dQw4w9WgXcQ", "stress_test")


def test_failed_fetch_is_reported_and_the_check_goes_on(tiny_kb, actor):
    source = FakeSource(FakeOutcome(False, None, "that address is not a public web host"))
    svc, cache, _ = service(tiny_kb, source)
    r = check(svc, actor, url="https://vimeo.com/1234", caption="Sora forest")
    assert not r.clip.fetched and r.clip.fetch_error == "that address is not a public web host"
    assert r.level == "showcase"  # the forest is a Sora strength: presumed the best of several takes
    assert r.to_json()["clip"]["fetch_error"] == "that address is not a public web host"
    check(svc, actor, url="https://vimeo.com/1234", caption="Sora forest")
    assert len(source.calls) == 2  # failures are retried, not served from cache


def test_no_fetch_uses_only_what_the_user_gave(tiny_kb, actor):
    source = FakeSource(FakeOutcome(True, FakeMeta("Kling", None), None))
    svc, cache, _ = service(tiny_kb, source)
    r = check(svc, actor, url="https://vimeo.com/1234", caption="Sora forest", fetch=False)
    assert source.calls == [] and r.signals.model.id == "sora"
    assert r.clip.fetch_error and not r.clip.fetched


def test_cached_metadata_is_used_even_without_fetch(tiny_kb, actor):
    svc, cache, _ = service(tiny_kb)
    cache.rows["https://vimeo.com/1234"] = CachedMetadata(True, "Sora 2 in a forest", None, None, None)
    r = check(svc, actor, url="https://vimeo.com/1234", fetch=False)
    assert r.signals.model.id == "sora-2" and r.clip.fetched


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"url": "ftp://example.com/a"}, LinkError),
        ({"url": "https://youtu.be/dQw4w9WgXcQ", "model": "Nope Model"}, UnknownModel),
        ({"url": "https://youtu.be/dQw4w9WgXcQ", "workflow": "telepathy"}, UnknownWorkflow),
        ({"url": "https://youtu.be/dQw4w9WgXcQ", "caption": "x" * 1_000_000}, CaptionTooLong),
    ],
)
def test_bad_input_raises_before_fetching_or_storing(tiny_kb, actor, kwargs, error):
    source = FakeSource(FakeOutcome(True, FakeMeta("t", None), None))
    svc, cache, log = service(tiny_kb, source)
    with pytest.raises(error):
        check(svc, actor, **kwargs)
    assert source.calls == [] and log.rows == [] and cache.rows == {}


def test_store_false_writes_nothing(tiny_kb, actor):
    svc, _, log = service(tiny_kb)
    check(svc, actor, url="https://youtu.be/dQw4w9WgXcQ", caption="Sora", store=False, fetch=False)
    assert log.rows == []


def test_a_fetched_page_that_is_not_a_video_is_flagged(tiny_kb, actor):
    source = FakeSource(FakeOutcome(True, FakeMeta("Pricing", "Plans for teams", video=False), None))
    svc, cache, _ = service(tiny_kb, source)
    r = check(svc, actor, url="https://example.org/pricing", caption="Sora forest")
    assert r.to_json()["clip"]["is_video"] is False
    assert any("does not look like a video" in reason for reason in r.verdict.reasons)
    assert cache.rows["https://example.org/pricing"].video is False
