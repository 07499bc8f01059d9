"""Votes on clips and the consensus they add up to: `/vote` and `/verdicts`.

A vote is about a clip this community has checked, so it is refused for any other clip: a member
can't seed a verdict on a link nobody here has looked at. The consensus (``bot.consensus``) depends on
all of a community's votes at once (who counts as a regular member, the community's axis of
disagreement), so it is computed for the whole community, cached under the community's latest vote
change and recomputed in a worker thread when a vote moves it: a `/verdicts` never refits on the
event loop, and never refits when nothing changed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from bot.clip_ids import is_short_clip_id
from bot.consensus import DEFAULT_PARAMS, LABELS, ClipConsensus, ConsensusParams, Vote, community_consensus, parse_label
from bot.errors import InputError
from bot.links import parse_link
from bot.parsing import unwrap_link
from bot.ports import Actor, BlockingIO

log = logging.getLogger(__name__)


class ClipNotChecked(InputError):
    """A vote or `/verdicts` on a clip nobody has checked in this community."""


class VoteNotStored(InputError):
    """The database stayed locked or unreachable through every retry; nothing was changed."""


@dataclass(frozen=True)
class ClipRef:
    id: int  # the storage id; consensus keys are str(id)
    canonical_url: str
    short_id: str


@dataclass(frozen=True)
class VoteOutcome:
    clip: ClipRef
    before: str | None  # the member's previous vote on this clip (None for a first vote)
    after: str
    votes: dict[str, int]  # the clip's tally in this community after the vote


@dataclass(frozen=True)
class VoteIn:
    community_id: str
    canonical_url: str | None
    short_id: str | None
    member: str
    label: str


class VoteStore(Protocol):
    """What storage does for votes; each call is one unit of work."""

    def checked_clip(self, community_id: str, canonical_url: str | None, short_id: str | None) -> ClipRef | None:
        """The clip when it was checked in this community, else None."""
        ...

    def cast_vote(self, community_id: str, canonical_url: str | None, short_id: str | None, member: str,
                  label: str) -> VoteOutcome | None:
        """Store (or change) the vote and its history row together; None when the clip wasn't checked here.

        Raises VoteNotStored once retries are exhausted.
        """
        ...

    def cast_votes(self, votes: Sequence[VoteIn]) -> list[VoteOutcome | None]:
        """`cast_vote` for several votes, in order, in one unit of work (all stored or none)."""
        ...

    def votes_version(self, community_id: str) -> int:
        """Grows with every vote change in the community (its latest change id; 0 without votes)."""
        ...

    def community_votes(self, community_id: str) -> list[Vote]:
        """Every current vote of the community, clips keyed by str(ClipRef.id)."""
        ...

    def clip_votes(self, community_id: str, clip_id: int) -> dict[str, int]: ...


def no_votes(clip: str) -> ClipConsensus:
    return ClipConsensus(clip, dict.fromkeys(LABELS, 0), 0, None, 0.0, None, None, "no votes yet")


@dataclass(frozen=True)
class VoteResult:
    """The reply to `/vote`."""

    clip_url: str
    clip_id: str
    label: str
    before: str | None
    votes: dict[str, int]

    @property
    def changed(self) -> bool:
        return self.before != self.label


@dataclass(frozen=True)
class VerdictsResult:
    """The reply to `/verdicts`: the tally, the consensus and why there is none when there is none."""

    clip_url: str
    clip_id: str
    consensus: ClipConsensus
    fresh: bool = True  # False: the consensus predates the latest votes (a refit is under way)


# Above this many votes the fit runs in a separate process: its Python loops would hold the GIL for
# seconds to minutes (bench/model_report.py) and starve the event loop of a bot in the same process.
PROCESS_FIT_VOTES = 50_000
_POOL: ProcessPoolExecutor | None = None


def _fit_pool() -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        # spawn, not fork: the parent has database and event-loop threads a forked child must not inherit
        _POOL = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _POOL


def _fit_columns(members: list[str], clips: list[str], labels: list[str],
                 params: ConsensusParams) -> dict[str, ClipConsensus]:
    """In the fit process: columns pickle far faster than a million Vote objects."""
    return community_consensus(map(Vote, members, clips, labels), params)


def _load_and_fit(load: Callable[[], tuple[list[str], list[str], list[str]]],
                  params: ConsensusParams) -> dict[str, ClipConsensus]:
    """In the fit process: read the community's votes (a picklable loader from storage), then fit."""
    return _fit_columns(*load(), params)


@dataclass(frozen=True)
class Fitted:
    """A community's consensus as of one vote version; `fresh` is False when newer votes are not in it yet."""

    clips: dict[str, ClipConsensus]
    version: int
    fresh: bool


class ConsensusCache:
    """One community's consensus on every clip, refitted only when its votes changed, never in a reply's way.

    A refit of a big community takes seconds to minutes (bench/model_report.py), so it runs as a background
    task, one per community at a time, in a worker thread (or, from PROCESS_FIT_VOTES votes on, a worker
    process that reads the votes itself). A reply waits for it at most `wait` seconds;
    after that it gets the previous fit marked stale (or none at all for a community never fitted) and the
    next reply picks up the new one. Small communities refit in milliseconds and always answer fresh.
    """

    def __init__(self, store: VoteStore, io: BlockingIO, params: ConsensusParams = DEFAULT_PARAMS,
                 wait: float = 1.0) -> None:
        self.store = store
        self.io = io
        self.params = params
        self.wait = wait
        self._entries: dict[str, Fitted] = {}
        self._refits: dict[str, asyncio.Task[Fitted]] = {}
        self.fits = 0  # how many times a community was refitted (tests and benchmarks read it)

    async def community(self, community_id: str, wait: float | None = None) -> Fitted | None:
        version = await self.io.run(self.store.votes_version, community_id)
        entry = self._entries.get(community_id)
        if entry is not None and entry.version >= version:
            return entry
        task = self._refits.get(community_id)
        if task is None or task.done():
            task = asyncio.create_task(self._refit(community_id))
            self._refits[community_id] = task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.wait if wait is None else wait)
        except TimeoutError:
            stale = self._entries.get(community_id)
            return Fitted(stale.clips, stale.version, False) if stale is not None else None

    async def _refit(self, community_id: str) -> Fitted:
        # Read the version first: votes arriving meanwhile are either in this fit or move the key again.
        version = await self.io.run(self.store.votes_version, community_id)
        loader = getattr(self.store, "votes_loader", None)
        count = getattr(self.store, "count_votes", None)
        if loader is not None and count is not None and await self.io.run(count, community_id) >= PROCESS_FIT_VOTES:
            # Reading a million votes holds the GIL for seconds too: the fit process reads them itself.
            clips = await asyncio.get_running_loop().run_in_executor(_fit_pool(), _load_and_fit, loader(community_id),
                                                                     self.params)
        else:
            votes = await self.io.run(self.store.community_votes, community_id)
            if len(votes) < PROCESS_FIT_VOTES:
                clips = await asyncio.to_thread(community_consensus, votes, self.params)
            else:
                columns = ([v.member for v in votes], [v.clip for v in votes], [v.label for v in votes])
                del votes
                clips = await asyncio.get_running_loop().run_in_executor(_fit_pool(), _fit_columns, *columns,
                                                                         self.params)
        self.fits += 1
        fitted = Fitted(clips, version, True)
        self._entries[community_id] = fitted
        return fitted

    async def clip(self, community_id: str, clip: ClipRef, wait: float | None = None) -> tuple[ClipConsensus, bool]:
        """The clip's consensus and whether it is fresh; the tally is always today's."""
        return (await self.clips(community_id, [clip], wait))[0]

    async def clips(self, community_id: str, clips: list[ClipRef],
                    wait: float | None = None) -> list[tuple[ClipConsensus, bool]]:
        """Several clips' consensus after one wait for the community's fit (the model report's clips)."""
        fitted = await self.community(community_id, wait)
        out = []
        for clip in clips:
            key = str(clip.id)
            if fitted is not None and fitted.fresh:
                out.append((fitted.clips.get(key) or no_votes(key), True))
                continue
            votes = await self.io.run(self.store.clip_votes, community_id, clip.id)
            total = sum(votes.values())
            previous = fitted.clips.get(key) if fitted is not None else None
            if previous is None:
                note = "the consensus is being worked out from the latest votes; ask again in a minute"
                out.append((ClipConsensus(key, votes, total, None, 0.0, None, None, note), False))
                continue
            note = (previous.note + "; " if previous.note else "") + "consensus as of earlier votes, being updated"
            out.append((dataclasses.replace(previous, votes=votes, total=total, note=note), False))
        return out


def clip_key(text: str) -> tuple[str | None, str | None]:
    """(canonical_url, short_id) for what a member typed: a clip link, or the short id a button carries."""
    text = unwrap_link(text.strip())
    if is_short_clip_id(text):
        return None, text
    return parse_link(text).canonical_url, None


class VoteService:
    """Votes in, replies out; votes arriving together are stored together.

    While one batch is being written, the votes that arrive queue up and go in the next unit of work:
    a burst of button presses costs one commit, not one each (group commit), and a lone vote is
    written at once. Each member still gets their own outcome or their own polite error.
    """

    MAX_BATCH = 200

    def __init__(self, store: VoteStore, io: BlockingIO, cache: ConsensusCache | None = None,
                 writers: int = 1) -> None:
        self.store = store
        self.io = io
        self.cache = cache or ConsensusCache(store, io)
        self.writers = writers  # batches written at once: 1 for SQLite's one writer, the pool size on Postgres
        self._queue: list[tuple[VoteIn, asyncio.Future[VoteOutcome | None]]] = []
        self._active = 0  # writer tasks draining the queue
        self._tasks: set[asyncio.Task[None]] = set()  # kept referenced until done
        self.batches = 0

    async def _cast(self, vote: VoteIn) -> VoteOutcome | None:
        future: asyncio.Future[VoteOutcome | None] = asyncio.get_running_loop().create_future()
        self._queue.append((vote, future))
        if self._active < self.writers:
            self._active += 1
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            await self._drain_queue()
        finally:
            self._active -= 1  # no await between the empty queue and this: a new vote starts a new writer

    async def _drain_queue(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.MAX_BATCH], self._queue[self.MAX_BATCH:]
            # Rows locked in one order by every batch: concurrent batches wait for each other, never deadlock.
            # The sort is stable, so one member's votes on one clip keep the order they were cast in.
            batch.sort(key=lambda item: (item[0].community_id, item[0].canonical_url or "",
                                         item[0].short_id or "", item[0].member))
            self.batches += 1
            try:
                outcomes = await self.io.run(self.store.cast_votes, [v for v, _ in batch])
            except Exception as exc:  # every vote of the batch gets the same answer: nothing was stored
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)

    async def vote(self, actor: Actor, clip_text: str, label: str) -> VoteResult:
        label = parse_label(label)
        url, short = clip_key(clip_text)
        outcome = await self._cast(VoteIn(actor.community_id, url, short, actor.user_id, label))
        if outcome is None:
            raise ClipNotChecked(_not_checked(url or short or "", actor.spell("check")))
        if outcome.before != outcome.after:
            log.info("vote in %s on clip %s by %s: %s -> %s", actor.community_id, outcome.clip.short_id,
                     actor.user_id, outcome.before, outcome.after)
        return VoteResult(outcome.clip.canonical_url, outcome.clip.short_id, outcome.after, outcome.before,
                          outcome.votes)

    async def verdicts(self, actor: Actor, clip_text: str) -> VerdictsResult:
        url, short = clip_key(clip_text)
        clip = await self.io.run(self.store.checked_clip, actor.community_id, url, short)
        if clip is None:
            raise ClipNotChecked(_not_checked(url or short or "", actor.spell("check")))
        consensus, fresh = await self.cache.clip(actor.community_id, clip)
        return VerdictsResult(clip.canonical_url, clip.short_id, consensus, fresh)


def _not_checked(what: str, check: str = "/check") -> str:
    return (f"Nobody has checked {what[:120]} in this community yet, so there is nothing to vote on: "
            f"run {check} on it first.")
