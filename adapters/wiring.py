"""The composition root: settings in, a ready store, check service and chat core out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.chat import ChatCore
from bot.config import Settings, merged_env
from bot.digest import DigestService
from bot.llm.settings import LLMSettings
from bot.service import CheckService
from bot.summary import Summarizer, TemplateSummarizer
from storage.bootstrap import open_store
from storage.repositories import Store


@dataclass
class App:
    settings: Settings
    store: Store
    checks: CheckService
    chat: ChatCore
    summarizer: Summarizer

    async def aclose(self) -> None:
        """Release network clients; call it on the loop that ran the checks."""
        close = getattr(self.summarizer, "aclose", None)
        if close is not None:
            await close()


def build_summarizer(store: Store, llm: LLMSettings) -> Summarizer:
    """The LLM summarizer when a key or base URL is set; otherwise no client at all, only the template."""
    if not llm.configured:
        return TemplateSummarizer()
    from bot.llm.summarizer import LLMSummarizer
    from storage.llm_store import SqlLLMStore

    return LLMSummarizer(llm, SqlLLMStore(store.engine))


def build_app(settings: Settings, *, fetch: bool | None = None, llm: LLMSettings | None = None) -> App:
    fetch = settings.fetch_enabled if fetch is None else fetch
    store = open_store(settings.database_url)
    source = None
    if fetch:
        from bot.fetcher import GuardedFetcher
        from bot.metadata import MetadataFetcher
        from bot.netguard import FetchPolicy

        policy = FetchPolicy(total_timeout=settings.fetch_timeout)
        source = MetadataFetcher(GuardedFetcher(policy))
    summarizer = build_summarizer(store, llm if llm is not None else LLMSettings.from_env(merged_env()))
    checks = CheckService(
        store,
        metadata_cache=store,
        metadata_source=source,
        check_log=store,
        summarizer=summarizer,
        metadata_ttl=timedelta(hours=settings.metadata_ttl_hours),
    )
    usage = getattr(summarizer, "usage_report", None)
    digests = DigestService(store, store.knowledge_base, usage)
    return App(settings, store, checks, ChatCore(checks, fetch=fetch, usage=usage, digests=digests), summarizer)
