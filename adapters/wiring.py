"""The composition root: settings in, a ready store, check service and chat core out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.chat import ChatCore
from bot.config import Settings
from bot.service import CheckService
from storage.bootstrap import open_store
from storage.repositories import Store


@dataclass
class App:
    settings: Settings
    store: Store
    checks: CheckService
    chat: ChatCore


def build_app(settings: Settings, *, fetch: bool | None = None) -> App:
    fetch = settings.fetch_enabled if fetch is None else fetch
    store = open_store(settings.database_url)
    source = None
    if fetch:
        from bot.fetcher import GuardedFetcher
        from bot.metadata import MetadataFetcher
        from bot.netguard import FetchPolicy

        policy = FetchPolicy(total_timeout=settings.fetch_timeout)
        source = MetadataFetcher(GuardedFetcher(policy))
    checks = CheckService(
        store,
        metadata_cache=store,
        metadata_source=source,
        check_log=store,
        metadata_ttl=timedelta(hours=settings.metadata_ttl_hours),
    )
    return App(settings, store, checks, ChatCore(checks, fetch=fetch))
