"""Posting every due weekly digest exactly once, from cron (`yuntai digest run`) or from a running bot.

Several processes may run this at the same moment (Discord shards, Slack workers, a cron job). None of
them decides alone: each asks `bot.schedule.due_digest` whether a week is due, then claims the
(community, week) row in the ledger before building and sending anything. Only the claimant posts; it
marks the row sent afterwards. A process that dies between the two leaves a claimed-but-unsent row,
which another run takes over once the claim is older than `claim_timeout`, so the week is posted late
rather than never. A week is never claimed twice while its claim is fresh, so two processes waking in
the same second post once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from bot.digest import CommunityActivity, DigestService, NoActivity, WeeklyDigest, weekly_digest
from bot.policy import CommunitySettings
from bot.ports import BlockingIO, DigestLedger, DigestPoster, SettingsSource, ThreadIO
from bot.schedule import DigestSlot, DueDigest, ScheduleError, due_digest, make_slot

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)  # longer than any post takes; shorter than anyone waits for a digest
SET_UP_AT_KEY = "digest_set_up_at"


def digest_set_up_at(settings: CommunitySettings) -> datetime | None:
    """When the community's digest slot was (last) set up; None means "not set up": no digest is due.

    `/setup digest` records it (a `digest_set_up_at` field, or the same key kept in `extra` by storage);
    an ISO-8601 string or a datetime is accepted, a naive one read as UTC, anything else as not set up.
    """
    value = getattr(settings, SET_UP_AT_KEY, None) or settings.extra.get(SET_UP_AT_KEY)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            log.warning("community %s: unreadable %s %r; no digest until it is set up again",
                        settings.community_id, SET_UP_AT_KEY, value[:40])
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def digest_slot(settings: CommunitySettings) -> DigestSlot | None:
    """The community's slot, or None when it has no digest channel or an incomplete or invalid slot."""
    if not settings.digest_channel or settings.digest_weekday is None or settings.digest_hour is None:
        return None
    try:
        return make_slot(settings.digest_weekday, settings.digest_hour, settings.digest_timezone or "UTC")
    except ScheduleError as exc:
        log.warning("community %s: digest slot not usable (%s)", settings.community_id, exc)
        return None


def process_owner() -> str:
    """Who holds a claim, for the operator reading `digest_post`: host, pid and a per-process nonce."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class PostedDigest:
    community_id: str
    week: str
    channel: str | None
    late: bool  # posted more than an hour after its slot (the bot was down, or a claim was retried)
    digest: WeeklyDigest


ChartMaker = Callable[[WeeklyDigest], Path | None]


class DigestRunner:
    """One pass: every community whose digest is due and unsent gets it, claimed first, marked sent after."""

    def __init__(self, ledger: DigestLedger, settings: SettingsSource, digests: DigestService,
                 poster: DigestPoster, *, activity: CommunityActivity | None = None,
                 chart: ChartMaker | None = None, io: BlockingIO | None = None,
                 owner: str | None = None, claim_timeout: timedelta = CLAIM_TIMEOUT,
                 mark_attempts: int = 5, mark_wait: float = 0.5) -> None:
        self.ledger = ledger
        self.settings = settings
        self.digests = digests
        self.poster = poster
        self.activity: CommunityActivity = activity or NoActivity()
        self.chart = chart
        self.io: BlockingIO = io or ThreadIO()
        self.owner = owner or process_owner()
        self.claim_timeout = claim_timeout
        self.mark_attempts = mark_attempts
        self.mark_wait = mark_wait

    async def run_due(self, now: datetime) -> list[PostedDigest]:
        """Post what is due at `now` (timezone-aware); one community's failure never stops the others."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        posted = []
        for community_id in await self.io.run(self.ledger.digest_communities):
            try:
                done = await self._one(community_id, now)
            except Exception:  # noqa: BLE001 - logged for the operator; the claim is retried after the timeout
                log.exception("digest for %s failed", community_id)
                continue
            if done is not None:
                posted.append(done)
        return posted

    def due(self, settings: CommunitySettings, now: datetime) -> DueDigest | None:
        """The week to post for this community at `now`, by `bot.schedule.due_digest` (blocking: reads the ledger)."""
        slot = digest_slot(settings)
        set_up_at = digest_set_up_at(settings)
        if slot is None or set_up_at is None:
            return None
        return due_digest(slot, set_up_at, now, self.ledger.sent_weeks(settings.community_id))

    async def _one(self, community_id: str, now: datetime) -> PostedDigest | None:
        settings: CommunitySettings = await self.io.run(self.settings.settings, community_id)
        due = await self.io.run(self.due, settings, now)
        if due is None:
            return None
        claimed = await self.io.run(self.ledger.claim, community_id, due.week, due.slot_at, self.owner, now,
                                    now - self.claim_timeout)
        if not claimed:
            log.info("digest %s %s: claimed by another process", community_id, due.week)
            return None
        digest = await self.io.run(weekly_digest, self.digests, self.activity, community_id, due.week, due.slot_at)
        if self.chart is not None:
            try:
                digest = replace(digest, chart=await self.io.run(self.chart, digest))
            except Exception:  # noqa: BLE001 - a digest without its chart beats no digest
                log.exception("digest chart for %s %s failed; posting without it", community_id, due.week)
        await self.poster.post(settings.digest_channel, digest)
        sent = await self._mark_sent(community_id, due.week, now, settings.digest_channel, digest)
        if not sent:
            log.warning("digest %s %s was sent but its claim had been taken over (post slower than %s)",
                        community_id, due.week, self.claim_timeout)
        late = now - due.slot_at > timedelta(hours=1)
        log.info("posted digest %s %s to %s%s", community_id, due.week, settings.digest_channel,
                 " (late)" if late else "")
        return PostedDigest(community_id, due.week, settings.digest_channel, late, digest)


    async def _mark_sent(self, community_id: str, week: str, now: datetime, channel: str | None,
                         digest: WeeklyDigest) -> bool:
        """Record the post, retrying a database that is locked or briefly away.

        Once the digest is out, losing this write would let another process post it again after the claim
        timeout, so it is worth a few seconds of retries before giving up with a log line.
        """
        async for attempt in AsyncRetrying(stop=stop_after_attempt(self.mark_attempts),
                                           wait=wait_exponential(multiplier=self.mark_wait, max=5), reraise=True):
            with attempt:
                return await self.io.run(self.ledger.mark_sent, community_id, week, self.owner, now, channel,
                                         digest.summary())
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover


class DigestScheduler:
    """The running bot's own cron: a pass every `interval` seconds on an injectable clock.

    Polling (rather than sleeping until the next slot) picks up a `/setup digest` change, a claim to
    retry and a clock jump without any bookkeeping; a pass that finds nothing due costs one query per
    community with a digest. Long-running adapters start it; `yuntai chat` does not.
    """

    def __init__(self, runner: DigestRunner, *, clock: Callable[[], datetime] | None = None,
                 interval: float = 60.0, sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        self.runner = runner
        self.clock = clock or (lambda: datetime.now(UTC))
        self.interval = interval
        self.sleep = sleep or asyncio.sleep
        self._task: asyncio.Task[None] | None = None

    async def run_forever(self) -> None:
        while True:
            try:
                await self.runner.run_due(self.clock())
            except Exception:  # noqa: BLE001 - e.g. the database is away; try again next pass
                log.exception("digest pass failed; retrying in %s s", self.interval)
            await self.sleep(self.interval)

    def start(self) -> asyncio.Task[None]:
        """Start on the running loop; call `stop()` before the loop closes."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run_forever(), name="yuntai-digests")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
