"""The composition root: settings in; storage, services, the command registry and the dispatcher out.

Nothing else builds these objects, so every adapter (console, command line, Discord, Slack) runs the
same core with the same storage and the same rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.attempts import AttemptService
from bot.chat import ChatCore
from bot.commands import REGISTRY
from bot.config import Settings, merged_env
from bot.context import Services
from bot.curation import Curation
from bot.digest import DigestService
from bot.llm.settings import LLMSettings
from bot.ports import (
    BlockingIO,
    CaptionReader,
    DigestPoster,
    InlineIO,
    ReadingThread,
    ReadingUnavailable,
    keep_loop_responsive,
    settle_heap,
)
from bot.reports import ModelReports
from bot.scheduler import DigestRunner
from bot.service import CheckService
from bot.setup import Setup
from bot.summary import Summarizer, TemplateSummarizer
from bot.votes import VoteService
from storage.bootstrap import Storage, open_storage
from storage.db import is_row_error
from storage.gateways import SqlDigestLedger
from storage.gateways_community import SqlCommunity
from storage.tables import GLOBAL

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    storage: Storage
    checks: CheckService
    chat: ChatCore
    summarizer: Summarizer
    services: Services

    async def aclose(self) -> None:
        """Store what is buffered and release network clients; call it on the loop that ran the checks."""
        await self.checks.flush()
        close = getattr(self.summarizer, "aclose", None)
        if close is not None:
            await close()

    def close(self) -> None:
        reading = self.checks.reading
        if reading is not None and reading is not self.storage.threads and hasattr(reading, "close"):
            reading.close()
        reader = self.checks.caption_reader
        if reader is not None and hasattr(reader, "close"):
            reader.close()
        self.storage.close()


def chart_folder(settings: Settings) -> Path:
    """Where `/model` charts go: YUNTAI_CHART_DIR, else a `charts` folder in the user's cache directory."""
    configured = merged_env().get("YUNTAI_CHART_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("yuntai", appauthor=False)) / "charts"


def build_summarizer(storage: Storage, llm: LLMSettings) -> Summarizer:
    """The LLM summarizer when a key or base URL is set; otherwise no client at all, only the template."""
    if not llm.configured:
        return TemplateSummarizer()
    from bot.llm.summarizer import LLMSummarizer
    from storage.llm_store import SqlLLMStore

    return LLMSummarizer(llm, SqlLLMStore(storage.engine), io=storage.threads)


def build_digest_runner(app: App, poster: DigestPoster, *, owner: str | None = None) -> DigestRunner:
    """The digest runner on the app's storage; long-running adapters wrap it in a `DigestScheduler`.

    Charts go to YUNTAI_CHART_DIR, else the user's cache folder; votes and attempts come from
    `storage.activity`.
    """
    from platformdirs import user_cache_path

    from bot.digest_chart import draw_digest_chart
    from storage.activity import SqlCommunityActivity

    folder = merged_env().get("YUNTAI_CHART_DIR")
    charts = Path(folder) if folder else user_cache_path("yuntai", appauthor=False) / "charts"
    digests = app.services.digests
    assert digests is not None
    return DigestRunner(SqlDigestLedger(app.storage.uow), app.storage.settings, digests, poster,
                        chart=lambda digest: draw_digest_chart(digest, charts), io=app.storage.threads,
                        owner=owner, activity=SqlCommunityActivity(app.storage.uow))


def _reading_thread(storage: Storage) -> BlockingIO:
    """Where a chat process reads captions: SQLite's one storage thread, else a thread of its own.

    On SQLite a check's reading and its writes take turns on one thread anyway (one writer); sharing it
    leaves one thread fewer competing with the event loop for two cores (the loop's longest stall with 8
    checks at once: median 4.4 ms shared, 5.3 ms apart, `bench/check_speed.py`). Postgres's pool serves
    several checks' database work at once, so reading gets its own thread there.
    """
    if storage.engine.dialect.name == "sqlite":
        return storage.threads
    return ReadingThread()


def _caption_reader(serving: bool) -> CaptionReader | None:
    """A process serving a gateway (Discord, Slack) reads captions in a child process of its own.

    There the event loop owes heartbeats and 3-second acknowledgements, and a reading thread shares the
    interpreter lock with it (the loop's longest stall with 8 checks at once: `bench/check_speed.py`). The
    console and one-off commands have no such deadline and skip the child's start-up.
    """
    if not serving:
        return None
    from bot.reading_process import ReadingProcess

    reader = ReadingProcess()
    try:
        reader.start()
    except ReadingUnavailable as exc:
        log.warning("reading captions on a thread: %s", exc)
        return None
    return reader


def build_app(settings: Settings, *, fetch: bool | None = None, llm: LLMSettings | None = None,
              record_batch: int = 1, serving: bool = False) -> App:
    """The composition root. `serving`: the process answers a chat gateway (Discord, Slack)."""
    fetch = settings.fetch_enabled if fetch is None else fetch
    storage = open_storage(settings.database_url)
    source = None
    if fetch:
        from bot.fetcher import GuardedFetcher
        from bot.metadata import MetadataFetcher
        from bot.netguard import FetchPolicy

        policy = FetchPolicy(total_timeout=settings.fetch_timeout)
        source = MetadataFetcher(GuardedFetcher(policy))
    summarizer = build_summarizer(storage, llm if llm is not None else LLMSettings.from_env(merged_env()))
    community = SqlCommunity(storage.uow)
    checks = CheckService(
        storage.knowledge,
        metadata_cache=storage.metadata,
        metadata_source=source,
        check_log=storage.checks,
        evidence=community,
        summarizer=summarizer,
        metadata_ttl=timedelta(hours=settings.metadata_ttl_hours),
        io=storage.threads if record_batch == 1 or fetch else InlineIO(),
        record_batch=record_batch,
        is_row_error=is_row_error,
        # A chat process reads captions off the event loop; a batch run has no loop to keep free.
        reading=_reading_thread(storage) if record_batch == 1 else None,
        on_new_pipeline=settle_heap if record_batch == 1 else None,
        caption_reader=_caption_reader(serving),
    )
    if record_batch == 1:
        keep_loop_responsive()
    usage = getattr(summarizer, "usage_report", None)
    digests = DigestService(storage.checks, storage.knowledge.knowledge_base, usage, io=storage.threads)
    votes = VoteService(community, storage.threads, writers=1 if storage.engine.dialect.name == "sqlite" else 4)
    attempts = AttemptService(community, storage.threads)
    reports = ModelReports(checks, attempts=attempts, votes=votes, clips=community, chart_dir=chart_folder(settings))
    curation = Curation(storage.curation, storage.knowledge.knowledge_base,
                        lambda: storage.knowledge.knowledge_base(GLOBAL))
    services = Services(checks, reports, digests, usage, storage.settings, fetch, votes=votes, attempts=attempts,
                        curation=curation, setup=Setup(storage.settings))
    return App(settings, storage, checks, ChatCore(REGISTRY, services), summarizer, services)
