"""The community-memory ports (votes, attempts, the evidence a check shows), one unit of work per call.

Writes are retried with tenacity when the database is locked (SQLite's one writer), the connection
went away (a Postgres restart, a dropped socket) or two first votes raced on the unique key: the whole
unit of work runs again, and because a vote is "set my vote to L" (a repeat changes nothing and adds
no history), a retry after a commit whose acknowledgement was lost cannot double it. When retries run
out the member gets one polite line and the operator a log line; nothing half-written remains,
because the unit of work rolls back.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from bot.attempts import AttemptPool, attempt_rates
from bot.consensus import Vote
from bot.results import CommunityEvidence
from bot.votes import ClipRef, VoteIn, VoteNotStored, VoteOutcome
from storage.repositories.attempts import AttemptRepository
from storage.repositories.votes import VoteRepository
from storage.uow import SqlUnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
T = TypeVar("T")

NOT_STORED = ("I couldn't store that just now: the database is busy or unreachable. Nothing was changed; "
              "please try again in a minute.")


class _Transient(Exception):
    """A database failure worth another try; carries the original for the log."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(type(original).__name__)
        self.original = original


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | IntegrityError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class SqlCommunity:
    """Implements bot.votes.VoteStore, bot.attempts.AttemptStore and bot.ports.EvidenceSource."""

    def __init__(self, uow: UnitOfWorkFactory, attempts: int = 6, max_wait: float = 1.0,
                 deadline: float = 20.0) -> None:
        self.uow = uow
        self.attempts = attempts
        self.max_wait = max_wait
        self.deadline = deadline

    # -- the retry wrapper -------------------------------------------------------------------------------

    def _write(self, what: str, work: Callable[[SqlUnitOfWork], T]) -> T:
        def once() -> T:
            with self.uow() as uow:
                try:
                    out = work(uow)
                    uow.commit()
                    return out
                except Exception as exc:
                    if _transient(exc):
                        raise _Transient(exc) from exc
                    raise

        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.deadline),
            wait=wait_random_exponential(multiplier=0.02, max=self.max_wait),
            before_sleep=lambda state: log.info("retrying %s after %s (attempt %d)", what,
                                                state.outcome.exception(), state.attempt_number),
        )
        try:
            return retrying(once)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            original = last.original if isinstance(last, _Transient) else last
            log.warning("%s not stored after %d attempts: %s: %s", what, exc.last_attempt.attempt_number,
                        type(original).__name__, str(original).splitlines()[0] if str(original) else "")
            raise VoteNotStored(NOT_STORED) from None

    # -- votes -------------------------------------------------------------------------------------------

    def checked_clip(self, community_id: str, canonical_url: str | None, short_id: str | None) -> ClipRef | None:
        with self.uow() as uow:
            return VoteRepository(uow.session).checked_clip(community_id, canonical_url, short_id)

    def cast_vote(self, community_id: str, canonical_url: str | None, short_id: str | None, member: str,
                  label: str) -> VoteOutcome | None:
        return self.cast_votes([VoteIn(community_id, canonical_url, short_id, member, label)])[0]

    def cast_votes(self, votes: Sequence[VoteIn]) -> list[VoteOutcome | None]:
        """Several members' votes in one unit of work, in order (None where the clip wasn't checked there).

        One commit for a burst of votes instead of one each; each vote still lands with its history row,
        and a failure rolls the whole batch back before the retry, so none is applied twice.
        """
        def work(uow: SqlUnitOfWork) -> list[VoteOutcome | None]:
            repo = VoteRepository(uow.session)
            repo.lock_for_write()
            sqlite = uow.session.connection().dialect.name == "sqlite"
            out: list[VoteOutcome | None] = []
            touched: dict[str, dict[int, list[int]]] = {}
            for v in votes:
                if sqlite:  # the write lock is held: one query reads the clip and the member's vote
                    found = repo.clip_and_vote(v.community_id, v.canonical_url, v.short_id, v.member)
                    if found is None:
                        out.append(None)
                        continue
                    clip, before = found
                    repo.set_vote(v.community_id, clip.id, v.member, v.label, before)
                else:  # Postgres: the member's vote row is read FOR UPDATE
                    clip = repo.checked_clip(v.community_id, v.canonical_url, v.short_id)
                    if clip is None:
                        out.append(None)
                        continue
                    before = repo.cast(v.community_id, clip.id, v.member, v.label)
                touched.setdefault(v.community_id, {}).setdefault(clip.id, []).append(len(out))
                out.append(VoteOutcome(clip, before, v.label, {}))
            for community_id, clips in touched.items():  # the tallies after the whole batch, one query
                tallies = repo.tallies(community_id, list(clips))
                for clip_id, positions in clips.items():
                    for i in positions:
                        out[i] = dataclasses.replace(out[i], votes=tallies[clip_id])  # type: ignore[arg-type]
            return out

        return self._write("a vote" if len(votes) == 1 else f"{len(votes)} votes", work)

    def votes_version(self, community_id: str) -> int:
        with self.uow() as uow:
            return VoteRepository(uow.session).version(community_id)

    def community_votes(self, community_id: str) -> list[Vote]:
        with self.uow() as uow:
            return VoteRepository(uow.session).all_votes(community_id)

    def count_votes(self, community_id: str) -> int:
        with self.uow() as uow:
            return VoteRepository(uow.session).count(community_id)

    def votes_loader(self, community_id: str) -> VoteColumns:
        """What the consensus fit process calls to read this community's votes itself (see bot.votes)."""
        return VoteColumns(self.uow.engine.url.render_as_string(hide_password=False), community_id)

    def clip_votes(self, community_id: str, clip_id: int) -> dict[str, int]:
        with self.uow() as uow:
            return VoteRepository(uow.session).tally(community_id, clip_id)

    def vote_history(self, community_id: str, clip_id: int) -> list[dict[str, object]]:
        with self.uow() as uow:
            return VoteRepository(uow.session).history(community_id, clip_id)

    def most_checked(self, community_id: str, model_id: str, limit: int = 5) -> list[tuple[ClipRef, int]]:
        with self.uow() as uow:
            return VoteRepository(uow.session).most_checked(community_id, model_id, limit)

    # -- attempts ----------------------------------------------------------------------------------------

    def record_attempt(self, community_id: str, member: str, model_id: str, capability_id: str, tries: int,
                       usable: int, note: str) -> int:
        return self._write("an attempt report", lambda uow: AttemptRepository(uow.session).add(
            community_id, member, model_id, capability_id, tries, usable, note))

    def attempt_pool(self, community_id: str, model_id: str, capabilities: list[str] | None) -> AttemptPool:
        with self.uow() as uow:
            return _pool(uow, community_id, model_id, capabilities)

    # -- the evidence a check shows ----------------------------------------------------------------------

    def evidence(self, community_id: str, canonical_url: str, model_id: str | None,
                 capabilities: list[str]) -> CommunityEvidence:
        with self.uow() as uow:
            votes = VoteRepository(uow.session).tally_by_url(community_id, canonical_url)
            attempts: tuple = ()
            if model_id and capabilities:
                pool = _pool(uow, community_id, model_id, list(dict.fromkeys(capabilities)))
                attempts = attempt_rates(model_id, pool, capabilities)
        return CommunityEvidence(votes=votes, attempts=attempts)


@dataclasses.dataclass(frozen=True)
class VoteColumns:
    """Picklable: opens its own engine in the fit process and returns (members, clips, labels)."""

    url: str
    community_id: str

    def __call__(self) -> tuple[list[str], list[str], list[str]]:
        from storage.db import make_engine

        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT member, clip_id, label FROM vote WHERE community_id = "
                    + ("%(c)s" if conn.dialect.name == "postgresql" else ":c"), {"c": self.community_id}).all()
        finally:
            engine.dispose()
        return [r[0] for r in rows], [str(r[1]) for r in rows], [r[2] for r in rows]


def _pool(uow: SqlUnitOfWork, community_id: str, model_id: str, capabilities: list[str] | None) -> AttemptPool:
    repo = AttemptRepository(uow.session)
    if uow.settings.get(community_id).share_attempts:
        communities = sorted(set(repo.sharing_communities()) | {community_id})
        scope = "shared"
    else:
        communities, scope = [community_id], "community"
    return AttemptPool(scope, len(communities), tuple(repo.totals(communities, model_id, capabilities)))


