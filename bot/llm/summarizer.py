"""LLMSummarizer: the Summarizer protocol over an OpenAI-compatible server, never in the way.

Order of business for one summary:
1. not configured -> the template (no client, no request);
2. a validated summary for the same key in memory or in the database -> reuse it (no request);
3. the community's daily token budget spent -> the template (counted as "over_budget");
4. join the in-flight request for the same key, or start one (single-flight). Starting one first
   reserves an estimate of its tokens (prompt chars/3 + max_tokens) against the community's budget
   -- refused, counted as "over_budget", when spent + reserved + estimate would pass it, so a burst
   of different clips cannot overspend -- then: breaker, one call with tenacity retries inside
   `asyncio.timeout(deadline)`, usage recorded, the reservation released, output validated;
5. anything wrong -> the template, counted by reason. Nothing raises to the caller.
Only validated LLM text is cached; fallbacks never are.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tenacity import RetryCallState

from bot.llm.breaker import HALF_OPEN, OPEN, Breaker
from bot.llm.client import ClientPool, Failure, classify, complete
from bot.llm.ports import LLMStore, SummaryKey, UsageFigures
from bot.llm.prompt import PROMPT_VERSION, Prompt, build
from bot.llm.settings import LLMSettings
from bot.llm.validate import for_display, validate
from bot.ports import BlockingIO
from bot.summary import Summary, SummaryRequest, TemplateSummarizer

log = logging.getLogger(__name__)

MEMO_SIZE = 4096
MAX_RETRY_AFTER_OPEN = 3600.0


def utc_day() -> str:
    return datetime.now(UTC).date().isoformat()


@dataclass(frozen=True)
class _Outcome:
    text: str | None
    reason: str = ""


@dataclass(frozen=True)
class UsageReport:
    """What admins see in `/usage` and the digest: tokens against the budget and why the template answered."""

    community_id: str
    day: str
    configured: bool
    model: str
    budget: int
    figures: UsageFigures
    paused_for: float = 0.0  # seconds the breaker keeps the LLM off
    paused_reason: str = ""

    @property
    def over_budget(self) -> bool:
        return self.configured and self.figures.tokens >= self.budget

    def lines(self) -> list[str]:
        if not self.configured:
            return ["LLM summaries: not configured, the template summarizer answers."]
        f = self.figures
        share = f" ({100 * f.tokens / self.budget:.0f}%)" if self.budget else ""
        out = [f"LLM summaries ({self.model}) on {self.day} (UTC): {f.tokens:,} of {self.budget:,} tokens"
               f"{share}, {f.requests:,} requests."]
        if self.over_budget:
            out.append("Over the daily token budget: the template summarizer answers until midnight UTC.")
        if self.paused_for > 0:
            out.append(f"LLM paused for {self.paused_for / 60:.0f} more min ({self.paused_reason}): "
                       "the template summarizer answers meanwhile.")
        if f.fallbacks:
            parts = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(f.fallbacks.items()))
            out.append(f"Template answers instead of the LLM today: {parts}.")
        return out


class _Stats:
    """Attempts made by one call, also when it ends in an exception."""

    def __init__(self) -> None:
        self.attempts = 1

    def on_retry(self, state: RetryCallState) -> None:
        self.attempts = state.attempt_number + 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("LLM attempt %d failed (%s); retrying in %.2f s", state.attempt_number,
                 type(exc).__name__, state.upcoming_sleep or 0.0)


class LLMSummarizer:
    def __init__(
        self,
        settings: LLMSettings,
        store: LLMStore,
        fallback: TemplateSummarizer | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        today: Callable[[], str] = utc_day,
        pool: ClientPool | None = None,
        io: BlockingIO | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        # The async boundary: with `io`, store reads are awaited on the storage thread and writes go there
        # in the background, so the event loop never waits on the database (None: call the store inline).
        self.io = io
        self._writes: set[asyncio.Future[Any]] = set()
        self.fallback = fallback or TemplateSummarizer()
        self.today = today
        self.breaker = Breaker(settings.breaker_failures, settings.breaker_cooldown, clock)
        self.pool = pool or ClientPool(settings)
        self.fallbacks: dict[str, int] = {}  # in-process counters by reason, for tests and metrics
        self._memo: OrderedDict[str, str] = OrderedDict()
        self._inflight: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Task[_Outcome]]] = (
            weakref.WeakKeyDictionary()
        )
        self._budget_logged: set[tuple[str, str]] = set()
        # Tokens reserved by requests in flight, per (community, day); guarded for multi-loop use.
        self._reserved: dict[tuple[str, str], int] = {}
        self._reserve_lock = threading.Lock()

    # -- the protocol -----------------------------------------------------------------------------

    async def summarize(self, request: SummaryRequest) -> Summary:
        try:
            text = await self._llm_text(request)
        except Exception:  # a bug here must never cost the member the answer
            log.exception("the LLM summarizer failed unexpectedly; the template answers")
            self._count(request.community_id, self.today(), "error")
            text = None
        if text is None:
            return await self.fallback.summarize(request)
        return Summary(text, "llm")

    async def aclose(self) -> None:
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        await self.pool.aclose()

    def usage_report(self, community_id: str, day: str | None = None) -> UsageReport:
        day = day or self.today()
        figures = self._safe(self.store.usage_today, community_id, day) or UsageFigures()
        return UsageReport(community_id, day, self.settings.configured, self.settings.model,
                           self.settings.daily_token_budget, figures, self.breaker.remaining(),
                           self.breaker.reason if self.breaker.state == OPEN else "")

    # -- steps ------------------------------------------------------------------------------------

    async def _llm_text(self, request: SummaryRequest) -> str | None:
        if not self.settings.configured:
            return None
        prompt = build(request)
        key = SummaryKey(request.clip.canonical_url, request.kb_version, PROMPT_VERSION, self.settings.model,
                         prompt.facts_digest)
        kid = key.id
        cached = self._memo.get(kid)
        if cached is None:
            cached = await self._read(self.store.cached_summary, key)
        if cached is not None and validate(cached, request.verdict.level, prompt.claim_ids, prompt.marker).ok:
            self._remember(kid, cached)
            return cached

        day = self.today()
        usage = await self._read(self.store.usage_today, request.community_id, day)
        spent = usage.tokens if usage else 0
        if not self._within_budget(request.community_id, day, spent):
            self._count(request.community_id, day, "over_budget")
            return None

        loop = asyncio.get_running_loop()
        flights = self._inflight.setdefault(loop, {})
        task = flights.get(kid)
        if task is None:  # this asker makes the request: reserve its tokens first (joiners cost nothing)
            estimate = self._estimate(prompt)
            if not self._reserve(request.community_id, day, estimate, spent):
                self._count(request.community_id, day, "over_budget")
                return None
            task = loop.create_task(self._fly(request, key, prompt, day))
            flights[kid] = task
            task.add_done_callback(lambda t, k=kid, f=flights: f.pop(k, None) if f.get(k) is t else None)
            # Released when the flight ends however it ends (also cancelled before it ever ran); the
            # real usage is recorded by then, so the budget is never undercounted in between.
            task.add_done_callback(lambda t, c=request.community_id, d=day, e=estimate: self._release(c, d, e))
        outcome = await asyncio.shield(task)
        if outcome.text is None:
            self._count(request.community_id, day, outcome.reason)
        return outcome.text

    async def _fly(self, request: SummaryRequest, key: SummaryKey, prompt: Prompt, day: str) -> _Outcome:
        """The one request for a key; every concurrent asker of the same key awaits this."""
        try:
            return await self._call(request, key, prompt, day)
        except Exception:  # never leave an exception in a shared task
            log.exception("the LLM call failed unexpectedly; the template answers")
            return _Outcome(None, "error")

    async def _call(self, request: SummaryRequest, key: SummaryKey, prompt: Prompt, day: str) -> _Outcome:
        if not self.breaker.allow():
            log.debug("LLM breaker open (%s); the template answers", self.breaker.reason)
            return _Outcome(None, "breaker_open")
        probe = self.breaker.state == HALF_OPEN
        try:
            return await self._request(request, key, prompt, day)
        finally:
            # A probe that ended without success() or failure() (cancelled, its loop closed, a
            # BaseException) must not leave the breaker half-open for good: back to OPEN, and the
            # next caller probes. (The breaker's probe lease covers a probe whose `finally` never runs.)
            if probe:
                self.breaker.abandon_probe()

    async def _request(self, request: SummaryRequest, key: SummaryKey, prompt: Prompt, day: str) -> _Outcome:
        client = self.pool.get()
        assert client is not None  # configured was checked
        stats = _Stats()
        deadline = self.settings.deadline
        try:
            async with asyncio.timeout(deadline):
                completion = await complete(client, self.settings, prompt.messages, time.monotonic() + deadline,
                                            on_retry=stats.on_retry)
        except Exception as exc:  # OpenAIError, TimeoutError, RetryAfterTooLong, malformed replies, ...
            failure = classify(exc)
            self._record_usage(request.community_id, day, 0, 0, stats.attempts)
            self._on_failure(failure, request)
            return _Outcome(None, failure.reason)

        self._record_usage(request.community_id, day, completion.prompt_tokens, completion.completion_tokens,
                           completion.attempts)
        if completion.text is None:
            self._on_failure(Failure("malformed", completion.problem, f"the LLM reply had {completion.problem}"),
                             request)
            return _Outcome(None, completion.problem)
        self.breaker.success()

        level = request.verdict.level
        check = validate(completion.text, level, prompt.claim_ids, prompt.marker)
        display = for_display(completion.text)
        if check.ok:
            check = validate(display, level, prompt.claim_ids, prompt.marker)
        if not check.ok:
            log.warning("LLM summary rejected (%s) for %s; the template answers", check.reason,
                        request.clip.canonical_url)
            return _Outcome(None, f"rejected_{check.reason}")
        self._write(self.store.save_summary, key, display, self.settings.model, completion.tokens)
        self._remember(key.id, display)
        return _Outcome(display)

    # -- helpers ----------------------------------------------------------------------------------

    def _on_failure(self, failure: Failure, request: SummaryRequest) -> None:
        where = request.clip.canonical_url
        if failure.kind == "config":
            cooldown = self.settings.breaker_config_cooldown
            if self.breaker.open_for(cooldown, failure.message, config=True):  # also when already open
                log.error("%s; the template summarizer answers for the next %.0f min", failure.message,
                          cooldown / 60)
            return
        if failure.kind == "request":
            # 400/422: this request was refused (a content filter tripped by one caption, a parameter
            # the server dislikes). No ten-minute stop for everyone: it counts like a transport
            # failure, so only a server refusing *every* request pauses the LLM, for the short cooldown.
            opened = self.breaker.failure(failure.reason)
            log.warning("LLM summary fell back to the template (%s: %s) for %s", failure.reason, failure.message,
                        where)
            if opened:
                log.warning("LLM paused for %.0f s after %d refused or failed requests in a row",
                            self.settings.breaker_cooldown, self.breaker.failures)
            return
        if failure.kind == "retry_after" and failure.retry_after is not None:
            seconds = min(failure.retry_after, MAX_RETRY_AFTER_OPEN)
            self.breaker.open_for(seconds, "rate limited by the LLM server")
            log.warning("LLM summary fell back to the template (%s) for %s; pausing the LLM for %.0f s",
                        failure.message, where, seconds)
            return
        opened = self.breaker.failure(failure.reason)
        log.warning("LLM summary fell back to the template (%s: %s) for %s", failure.reason, failure.message, where)
        if opened:
            log.warning("LLM paused for %.0f s after %d failures in a row; one probe request after that",
                        self.settings.breaker_cooldown, self.breaker.failures)

    def _within_budget(self, community_id: str, day: str, spent: int) -> bool:
        budget = self.settings.daily_token_budget
        if spent < budget:
            return True
        if (community_id, day) not in self._budget_logged:
            self._budget_logged.add((community_id, day))
            log.warning("community %s spent its daily LLM budget (%s of %s tokens); the template answers "
                        "until midnight UTC", community_id or "(none)", f"{spent:,}", f"{budget:,}")
        return False

    def _estimate(self, prompt: Prompt) -> int:
        """Tokens one request may cost at most, roughly: prompt chars/3 (generous) + max_tokens."""
        return sum(len(m.get("content") or "") for m in prompt.messages) // 3 + self.settings.max_tokens

    def _reserve(self, community_id: str, day: str, estimate: int, spent: int) -> bool:
        """Hold `estimate` tokens of the community's budget for a request about to go out, or refuse.

        `spent` was read from the store in this same step (no await since), so it is current for
        this loop; requests in flight anywhere in this process are in `_reserved`.
        """
        budget = self.settings.daily_token_budget
        with self._reserve_lock:
            held = self._reserved.get((community_id, day), 0)
            if spent + held + estimate > budget:
                log.info("LLM request for community %s refused: %s spent + %s reserved + %s estimated > %s tokens",
                         community_id or "(none)", spent, held, estimate, budget)
                return False
            self._reserved[(community_id, day)] = held + estimate
            return True

    def _release(self, community_id: str, day: str, estimate: int) -> None:
        with self._reserve_lock:
            left = self._reserved.get((community_id, day), 0) - estimate
            if left > 0:
                self._reserved[(community_id, day)] = left
            else:
                self._reserved.pop((community_id, day), None)

    def _record_usage(self, community_id: str, day: str, prompt: int, completion: int, requests: int) -> None:
        self._write(self.store.record_usage, community_id, day, prompt, completion, requests)

    def _count(self, community_id: str, day: str, reason: str) -> None:
        self.fallbacks[reason] = self.fallbacks.get(reason, 0) + 1
        self._write(self.store.count_fallback, community_id, day, reason)

    def _remember(self, kid: str, text: str) -> None:
        self._memo[kid] = text
        self._memo.move_to_end(kid)
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)

    async def _read(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.io is None:
            return self._safe(fn, *args)
        return await self.io.run(self._safe, fn, *args)

    def _write(self, fn: Callable[..., Any], *args: Any) -> None:
        """A counter or cache write: on the storage thread when there is one, never awaited by the answer."""
        if self.io is None:
            self._safe(fn, *args)
            return
        try:
            future = asyncio.ensure_future(self.io.run(self._safe, fn, *args))
        except RuntimeError:  # no running loop (a synchronous caller): do it here
            self._safe(fn, *args)
            return
        self._writes.add(future)
        future.add_done_callback(self._writes.discard)

    @staticmethod
    def _safe(fn: Callable[..., Any], *args: Any) -> Any:
        """Storage trouble costs the cache or a counter, never the answer."""
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001
            log.warning("LLM store call %s failed (%s); continuing without it", getattr(fn, "__name__", fn),
                        type(exc).__name__)
            return None
