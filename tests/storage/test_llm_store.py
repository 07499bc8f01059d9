"""SqlLLMStore on SQLite and Postgres: migration 0002, the summary cache, atomic usage counters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect

from bot.llm.ports import SummaryKey, UsageFigures
from storage.db import current_revision, make_engine, upgrade
from storage.llm_store import SqlLLMStore

DAY = "2026-12-01"


@pytest.fixture(params=["sqlite", "postgres"])
def store(request):
    url = request.getfixturevalue("migrated_db_url" if request.param == "sqlite" else "migrated_postgres_url")
    engine = make_engine(url)  # migrated: a copy of a template built once per test process
    yield SqlLLMStore(engine)
    engine.dispose()


def test_migration_0002_creates_the_llm_tables(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"llm_summary", "llm_usage"} <= tables
    assert current_revision(store.engine) >= "0002"
    head = current_revision(store.engine)
    upgrade(store.engine)  # idempotent
    assert current_revision(store.engine) == head


def test_summary_cache_round_trip_and_overwrite(store):
    key = SummaryKey("https://youtube.com/watch?v=x", "kb1", "1", "gpt-4o-mini", "facts")
    assert store.cached_summary(key) is None
    store.save_summary(key, "first", "gpt-4o-mini", 100)
    store.save_summary(key, "second", "gpt-4o-mini", 120)
    assert store.cached_summary(key) == "second"
    other = SummaryKey("https://youtube.com/watch?v=x", "kb2", "1", "gpt-4o-mini", "facts")
    assert store.cached_summary(other) is None


def test_usage_and_fallbacks_accumulate_per_community_and_day(store):
    assert store.usage_today("discord:1", DAY) == UsageFigures()
    store.record_usage("discord:1", DAY, 100, 20)
    store.record_usage("discord:1", DAY, 50, 10, requests=3)
    store.count_fallback("discord:1", DAY, "budget")
    store.count_fallback("discord:1", DAY, "budget")
    store.count_fallback("discord:1", DAY, "rejected_url")
    store.count_fallback("slack:T1", DAY, "timeout")
    u = store.usage_today("discord:1", DAY)
    assert (u.prompt_tokens, u.completion_tokens, u.requests, u.tokens) == (150, 30, 4, 180)
    assert u.fallbacks == {"budget": 2, "rejected_url": 1}
    assert store.usage_today("slack:T1", DAY).fallbacks == {"timeout": 1}
    assert store.usage_today("discord:1", "2026-12-02") == UsageFigures()


def test_concurrent_upserts_lose_no_count(store):
    def work(i: int) -> None:
        store.record_usage("discord:9", DAY, 1, 2)
        store.count_fallback("discord:9", DAY, "rejected_level_contradiction" if i % 2 else "budget")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(80)))
    u = store.usage_today("discord:9", DAY)
    assert (u.prompt_tokens, u.completion_tokens, u.requests) == (80, 160, 80)
    assert u.fallbacks == {"budget": 40, "rejected_level_contradiction": 40}
