"""The reality check as one service call: link -> metadata -> signals -> verdict -> summary.

Adapters call `CheckService.check` with a request and an actor and render the result. Nothing
here knows about Discord, Slack or SQL.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from bot.clip_ids import short_clip_id
from bot.compiled_knowledge import Compiled, compiled
from bot.errors import CaptionTooLong, InputError
from bot.knowledge import KnowledgeBase
from bot.links import LinkError, parse_link
from bot.ports import (
    Actor,
    BlockingIO,
    CachedMetadata,
    CaptionReader,
    CheckLog,
    CheckRecordIn,
    EvidenceSource,
    KnowledgeSource,
    MetadataCache,
    NoEvidence,
    ReadingUnavailable,
    ThreadIO,
)
from bot.recording import CheckRecorder
from bot.results import CheckResult, ClipInfo, Signals
from bot.signals import SignalExtractor, SignalInput, UnknownModel, UnknownWorkflow, normalise_workflow
from bot.summary import Summarizer, SummaryRequest, TemplateSummarizer
from bot.text import MAX_TEXT
from bot.verdict import VerdictRules

T = TypeVar("T")

log = logging.getLogger(__name__)

MAX_CAPTION = MAX_TEXT  # one limit: what the caption reader reads is what a member may paste
INPUT_ERRORS: tuple[type[Exception], ...] = (InputError, LinkError, UnknownModel, UnknownWorkflow)


@dataclass(frozen=True)
class CheckRequest:
    url: str
    caption: str | None = None
    model: str | None = None
    workflow: str | None = None
    fetch: bool = True
    store: bool = True


class MetadataSource(Protocol):
    async def fetch(self, canonical_url: str, platform: str): ...  # -> bot.metadata.FetchOutcome


@dataclass
class _Pipeline:
    """This service's knowledge base with its compiled matchers (shared in the process: bot.compiled_knowledge)."""

    kb: KnowledgeBase
    compiled: Compiled

    @property
    def signals(self) -> SignalExtractor:
        return self.compiled.signals

    @property
    def rules(self) -> VerdictRules:
        return self.compiled.rules

    @property
    def names(self) -> dict[str, str]:
        return self.compiled.names


class CheckService:
    def __init__(
        self,
        knowledge: KnowledgeSource,
        *,
        metadata_cache: MetadataCache | None = None,
        metadata_source: MetadataSource | None = None,
        check_log: CheckLog | None = None,
        evidence: EvidenceSource | None = None,
        summarizer: Summarizer | None = None,
        metadata_ttl: timedelta = timedelta(hours=24),
        io: BlockingIO | None = None,
        record_batch: int = 1,
        is_row_error: Callable[[Exception], bool] | None = None,
        reading: BlockingIO | None = None,
        on_new_pipeline: Callable[[], None] | None = None,
        caption_reader: CaptionReader | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.metadata_cache = metadata_cache
        self.metadata_source = metadata_source
        self.check_log = check_log
        self.evidence = evidence or NoEvidence()
        self.summarizer = summarizer or TemplateSummarizer()
        self.metadata_ttl = metadata_ttl
        self.io: BlockingIO = io or ThreadIO()
        self.reading = reading  # None: read captions on the loop (batch runs, tests); else a ReadingThread
        self.on_new_pipeline = on_new_pipeline  # a chat process settles its heap after compiling (settle_heap)
        self.caption_reader = caption_reader  # a gateway process reads captions in a child (bot.reading_process)
        self.recorder = (CheckRecorder(check_log, self.io, record_batch, is_row_error)
                         if check_log is not None else None)
        self._pipelines: dict[str, _Pipeline] = {}

    def pipeline(self, community_id: str) -> _Pipeline:
        """For synchronous callers (the command line); async code uses `current_pipeline`."""
        return self._pipeline_for(self.knowledge.knowledge_base(community_id))

    async def current_pipeline(self, community_id: str) -> _Pipeline:
        """The snapshot without blocking the loop: the in-memory copy when fresh, else read in a thread."""
        cached = getattr(self.knowledge, "cached", None)
        kb = cached(community_id) if cached is not None else None
        if kb is None:
            kb = await self.io.run(self.knowledge.knowledge_base, community_id)
        cached_pipeline = self._pipelines.get(kb.version)
        if cached_pipeline is not None and cached_pipeline.kb is kb:
            return cached_pipeline
        if self.reading is not None:  # compiling a knowledge base's matchers takes tens of ms: off the loop
            return await self.reading.run(self._pipeline_for, kb)
        return self._pipeline_for(kb)

    def _pipeline_for(self, kb: KnowledgeBase) -> _Pipeline:
        """Matchers are compiled once per knowledge base (and process: equal knowledge shares them), not per check."""
        cached = self._pipelines.get(kb.version)
        if cached is None or cached.kb is not kb:
            cached = _Pipeline(kb, compiled(kb))
            if len(self._pipelines) > 8:
                self._pipelines.clear()
            self._pipelines[kb.version] = cached
            if self.on_new_pipeline is not None:
                self.on_new_pipeline()
        return cached

    async def check(self, request: CheckRequest, actor: Actor) -> CheckResult:
        if request.caption is not None and len(request.caption) > MAX_CAPTION:
            raise CaptionTooLong(
                f"That caption is {len(request.caption):,} characters long; I read at most {MAX_CAPTION:,}. "
                "Paste the part that describes the clip."
            )
        link = parse_link(request.url)
        p = await self.current_pipeline(actor.community_id)
        # Explicit options are checked before any network work, so a typo fails fast.
        if request.model:
            p.signals.models.resolve(request.model)
        if request.workflow:
            normalise_workflow(request.workflow)

        meta = await self._metadata(link.canonical_url, link.platform, request.fetch)
        clip = ClipInfo(
            url=link.url,
            canonical_url=link.canonical_url,
            platform=link.platform,
            title=meta.title if meta else None,
            description=meta.description if meta else None,
            author=meta.author if meta else None,
            fetched=bool(meta and meta.fetched),
            fetch_error=(meta.error if meta else self._why_not_fetched(request.fetch)),
            is_video=meta.video if meta else None,
        )
        signals = await self._extract(p, SignalInput(
                canonical_url=link.canonical_url,
                caption=request.caption,
                title=clip.title,
                description=clip.description,
                model=request.model,
                workflow=request.workflow,
                url=link.url,
                author=clip.author,
                platform=link.platform,
        ))
        evidence_args = (actor.community_id, link.canonical_url, signals.model.id if signals.model else None,
                         [s.id for s in signals.shown])
        if isinstance(self.evidence, NoEvidence):  # nothing stored to read: no trip to the storage thread
            community = self.evidence.evidence(*evidence_args)
        else:
            community = await self.io.run(self.evidence.evidence, *evidence_args)
        verdict = await self._read(functools.partial(
            p.rules.decide, signals, community, page_is_video=clip.is_video if clip.fetched else None,
            known_platform=link.platform != "web"))
        summary = await self.summarizer.summarize(
            SummaryRequest(
                clip, signals, verdict, community, p.names, actor.community_id, p.kb.version, request.caption
            )
        )
        result = CheckResult(
            clip=clip,
            signals=signals,
            verdict=verdict,
            community=community,
            summary=summary.text,
            summary_source=summary.source,
            kb_version=p.kb.version,
            names=p.names,
            clip_id=short_clip_id(link.canonical_url),
        )
        if request.store and self.recorder is not None:
            await self.recorder.record(CheckRecordIn(
                actor.community_id, actor.user_id, link.platform, link.video_id, request.caption, result,
            ))
        return result

    async def _extract(self, p: _Pipeline, given: SignalInput) -> Signals:
        if self.caption_reader is not None:
            try:
                return await self.caption_reader.extract(p.kb, given)
            except ReadingUnavailable as exc:
                log.warning("reading captions on a thread from now on: %s", exc)
                self.caption_reader = None
        return await self._read(p.compiled.extract, given)

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        """CPU work of a check: on the reading thread when there is one, else here, then a yield.

        Inline, the yield lets heartbeats and acknowledgements waiting on the loop run between the
        two longest stretches of a check.
        """
        if self.reading is not None:
            return await self.reading.run(fn, *args)
        out = fn(*args)
        await asyncio.sleep(0)
        return out

    async def flush(self) -> list[tuple[CheckRecordIn, Exception]]:
        """Store what batch mode still holds; call before reporting a batch's lines as stored."""
        if self.recorder is None:
            return []
        return await self.recorder.flush()

    def _why_not_fetched(self, fetch: bool) -> str:
        if not fetch:
            return "not fetched (fetching was turned off)"
        return "not fetched (no page reader is set up in this process)"

    async def _metadata(self, canonical_url: str, platform: str, fetch: bool) -> CachedMetadata | None:
        if self.metadata_cache is not None:
            cached = await self.io.run(self.metadata_cache.cached_metadata, canonical_url, self.metadata_ttl)
            if cached is not None and (cached.fetched or not fetch):
                return cached
        if not fetch or self.metadata_source is None:
            return None
        outcome = await self.metadata_source.fetch(canonical_url, platform)
        md = outcome.metadata
        meta = CachedMetadata(
            fetched=outcome.fetched,
            title=md.title if md else None,
            description=md.description if md else None,
            author=md.author if md else None,
            error=outcome.error,
            video=md.video if md else None,
        )
        if not outcome.fetched:
            log.info("metadata fetch refused or failed for %s: %s", canonical_url, outcome.error)
        if self.metadata_cache is not None:
            await self.io.run(self.metadata_cache.save_metadata, canonical_url, meta, md.source if md else None)
        return meta
